"""The admin shows the knowledge base read-only: articles change through the services (review,
versions, the search index), never by editing rows here."""

from django.contrib import admin

from .models import Article, ArticleUse, ArticleVersion


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnly):
    list_display = ("question", "unit", "status", "published_number", "valid_to")
    list_filter = ("status",)
    search_fields = ("question",)
    exclude = ("search_vector",)


@admin.register(ArticleVersion)
class ArticleVersionAdmin(ReadOnly):
    list_display = ("article", "number", "status", "author_label", "published_at")


@admin.register(ArticleUse)
class ArticleUseAdmin(ReadOnly):
    list_display = ("article", "day", "answered", "continued")
