"""Open311 GeoReport v2 over the appeals, under /open311/v2/ (XML and JSON).

Own state: API keys (sha256 only) and the extra questions of categories (ServiceAttribute).
Mapping: service_code = category code; service_request_id = tracking number, which is also
the `token` (a request has its id at once, so tokens/{token} answers it immediately);
status closed = closed / merged / withdrawn, else open; agency_responsible = handling unit;
expected_datetime = handling deadline; status_notes = the appeal's public note.
Answers to `attribute[code]` are checked against the category's questions and appended to the
appeal's content as a readable block (appeals have no attribute storage); media_url is
appended as well and an uploaded `media` file is accepted but not stored.
Requests filed here are not public (is_public=False) until an official publishes them: the
list shows public appeals only; a request fetched by its id shows its status, dates and unit,
but description and location only if public. The citizen's name, phone and email never leave.
"""
