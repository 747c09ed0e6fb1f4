from django.urls import path

from .views import alarms, dashboard, duplicates, hot

app_name = "insight"

# One block per capability; each view module is small and owns its templates.
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("dashboard.json", dashboard.dashboard_data, name="dashboard-data"),
    path("appeals/", dashboard.drill, name="drill"),
    # duplicates (重复诉求)
    path("duplicates/", duplicates.duplicates, name="duplicates"),
    path("duplicates/<int:pk>/merge/", duplicates.duplicate_merge, name="duplicate-merge"),
    path("duplicates/<int:pk>/dismiss/", duplicates.duplicate_dismiss, name="duplicate-dismiss"),
    # early warning
    path("alarms/", alarms.alarms, name="alarms"),
    path("alarms/<int:pk>/<str:action>/", alarms.alarm_act, name="alarm-act"),
    # hot issues (热点问题)
    path("hot/", hot.hot_issues, name="hot"),
    path("hot/<int:days>/<int:rank>/", hot.hot_issue, name="hot-issue"),
]
