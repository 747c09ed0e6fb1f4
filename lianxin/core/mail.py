"""The default mail backend when none is configured: it writes to the console that a message
went out, never its text or address, so that one-time codes and citizens' addresses never
reach a log. Production sets EMAIL_BACKEND to SMTP."""

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend


class QuietConsoleEmailBackend(EmailBackend):
    def write_message(self, message: EmailMessage) -> None:
        self.stream.write(
            f"[mail not sent: no mail server configured] {message.subject!r} to "
            f"{len(message.recipients())} recipient(s), {len(message.body)} "
            "characters\n"
        )
