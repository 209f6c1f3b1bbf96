from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from nuanqi import navigation
from nuanqi.accounts import views as account_views
from nuanqi.api import api
from nuanqi.attachments import views as attachment_views
from nuanqi.cases import public_views, settings_views
from nuanqi.cases import views as case_views
from nuanqi.consult import views as consult_views
from nuanqi.dashboard import views as dashboard_views
from nuanqi.enterprise import office_pages as enterprise_office
from nuanqi.enterprise import pages as enterprise_pages
from nuanqi.enterprise import views as enterprise_views
from nuanqi.notify import views as notify_views
from nuanqi.ops import health, metrics
from nuanqi.patrol import ledger_views as patrol_ledger_views
from nuanqi.patrol import report_views as patrol_report_views
from nuanqi.patrol import views as patrol_views
from nuanqi.patrol import zombie_views as patrol_zombie_views
from nuanqi.projects import edit_views as project_edit_views
from nuanqi.projects import views as project_views
from nuanqi.tips import views as tips_views

# Django's admin in the product's name: the office's back room for what its own pages do not cover.
admin.site.site_header = admin.site.site_title = _("暖企管理后台")
admin.site.index_title = _("数据维护")

handler400 = "nuanqi.errorpages.bad_request"
handler403 = "nuanqi.errorpages.permission_denied"
handler404 = "nuanqi.errorpages.page_not_found"
handler500 = "nuanqi.errorpages.server_error"

urlpatterns = [
    path("", case_views.my_list, name="my_list"),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/tokens/", account_views.token_list, name="token_list"),
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/new/", case_views.new_case, name="new_case"),
    path("cases/<str:number>/", case_views.case_detail, name="case_detail"),
    path("cases/<str:number>/act/", case_views.case_act, name="case_act"),
    path("cases/<str:number>/spawn/", case_views.case_spawn, name="case_spawn"),
    path("cases/<str:number>/tasks/", case_views.task_add, name="task_add"),
    path("cases/<str:number>/attachments/", case_views.attachment_add, name="attachment_add"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("tips/notice/", tips_views.notice_list, name="tips_notice"),
    path("tips/notice/<int:round_id>/", tips_views.notice_detail, name="tips_notice_detail"),
    path("tips/", tips_views.tip_list, name="tip_list"),
    path("tips/new/", tips_views.tip_register, name="tip_register"),
    path("tips/figures/", tips_views.tip_figures, name="tip_figures"),
    path("tips/<str:number>/", tips_views.tip_detail, name="tip_detail"),
    path("tips/<str:number>/act/", tips_views.tip_act, name="tip_act"),
    path("tips/<str:number>/reply/", tips_views.tip_reply, name="tip_reply"),
    path("tips/<str:number>/identity/", tips_views.tip_identity, name="tip_identity"),
    path("tips/<str:number>/release/", tips_views.tip_release, name="tip_release"),
    path("tips/<str:number>/reads/", tips_views.tip_reads, name="tip_reads"),
    path("tips/<str:number>/files/<int:file_id>/", tips_views.tip_file, name="tip_file"),
    path("public/<slug:slug>/", public_views.public_form, name="public_form"),
    path("public/<slug:slug>/status/", public_views.public_status, name="public_status"),
    path("public/<slug:slug>/messages/", public_views.public_message, name="public_message"),
    path("files/<int:attachment_id>/", attachment_views.download, name="attachment_download"),
    path("files/<int:attachment_id>/thumbnail/", attachment_views.thumbnail, name="attachment_thumbnail"),
    path("cases/<str:number>/tasks/<int:task_id>/act/", case_views.task_act, name="task_act"),
    path("companies/", enterprise_views.company_list, name="company_list"),
    path("companies/<int:company_id>/", enterprise_views.company_detail, name="company_detail"),
    path("worklog/", enterprise_views.worklog, name="worklog"),
    path(
        "companies/<int:company_id>/confidential/", enterprise_views.confidential, name="company_confidential"
    ),
    path("companies/<int:company_id>/indicators/", enterprise_views.indicator_add, name="indicator_add"),
    path(
        "companies/<int:company_id>/projects/<int:project_id>/milestones/",
        enterprise_views.milestone_set,
        name="milestone_set",
    ),
    path("exports/<str:kind>.xlsx", enterprise_views.export_list, name="export_list"),
    path("programme/", enterprise_pages.programme, name="programme"),
    path("policies/", enterprise_pages.policy_list, name="policy_list"),
    path("policies/new/", enterprise_pages.policy_new, name="policy_new"),
    path("policies/<int:policy_id>/", enterprise_pages.policy_detail, name="policy_detail"),
    path("inspections/", enterprise_pages.inspection_list, name="inspection_list"),
    path("inspections/merge/", enterprise_pages.inspection_merge, name="inspection_merge"),
    path("errands/<str:number>/", enterprise_pages.errand_plan, name="errand_plan"),
    path("tasks/new/", enterprise_pages.task_new, name="task_new"),
    path("imports/", enterprise_pages.import_page, name="import_page"),
    path("imports/<str:kind>.xlsx", enterprise_pages.import_template, name="import_template"),
    path("patrol/", patrol_views.patrol_home, name="patrol_home"),
    path("patrol/points/<int:point_id>/", patrol_views.patrol_point, name="patrol_point"),
    path("patrol/patrols/<int:patrol_id>/", patrol_views.patrol_done, name="patrol_done"),
    path("consult/", consult_views.session_list, name="consult_sessions"),
    path("consult/sessions/new/", consult_views.session_new, name="consult_session_new"),
    path("consult/sessions/<int:session_id>/", consult_views.session_detail, name="consult_session"),
    path("consult/sessions/<int:session_id>/items.xlsx", consult_views.session_ledger, name="consult_ledger"),
    path("consult/sessions/<int:session_id>/import/", consult_views.session_import, name="consult_import"),
    path("consult/import-template.xlsx", consult_views.import_template, name="consult_import_template"),
    path("consult/items/<str:number>/spot/", consult_views.spot_answer, name="consult_spot_answer"),
    path("consultations/", consult_views.public_list, name="consult_public_list"),
    path("consultations/<int:session_id>/", consult_views.public_summary, name="consult_public_summary"),
    path("projects/", project_views.project_list, name="project_list"),
    path("projects/import/", project_views.project_import, name="project_import"),
    path("projects/new/", project_edit_views.project_edit, name="project_new"),
    path("projects/<int:project_id>/", project_views.project_detail, name="project_detail"),
    path("projects/<int:project_id>/edit/", project_edit_views.project_edit, name="project_edit"),
    path(
        "projects/<int:project_id>/milestones/",
        project_edit_views.project_milestones,
        name="project_milestones",
    ),
    path("projects/<int:project_id>/replan/", project_edit_views.project_replan, name="project_replan"),
    path("programmes/", project_views.programme_list, name="programme_list"),
    path("programmes/new/", project_edit_views.programme_edit, name="programme_new"),
    path("programmes/<int:programme_id>/", project_views.programme_detail, name="programme_detail"),
    path("programmes/<int:programme_id>/edit/", project_edit_views.programme_edit, name="programme_edit"),
    path(
        "programmes/<int:programme_id>/visits/<int:visit_id>/",
        project_views.visit_detail,
        name="visit_detail",
    ),
    path("patrol/report/", patrol_report_views.weekly, name="patrol_report"),
    path("patrol/points.xlsx", patrol_ledger_views.points_xlsx, name="patrol_points_xlsx"),
    path("patrol/points/template.xlsx", patrol_ledger_views.points_template, name="patrol_points_template"),
    path("patrol/points/import/", patrol_ledger_views.points_import, name="patrol_points_import"),
    path("patrol/zombie-cars/", patrol_zombie_views.ledger, name="zombie_cars"),
    path("patrol/zombie-cars.xlsx", patrol_zombie_views.ledger_xlsx, name="zombie_cars_xlsx"),
    path("patrol/zombie-cars/<int:car_id>/", patrol_zombie_views.car_page, name="zombie_car"),
    path("patrol/report.xlsx", patrol_report_views.weekly_xlsx, name="patrol_report_xlsx"),
    path("dashboard/", dashboard_views.overview, name="dashboard"),
    path("dashboard/office/", dashboard_views.office, name="dashboard_office"),
    path("dashboard/unit/", dashboard_views.unit_inbox, name="dashboard_unit"),
    path("dashboard/week/", dashboard_views.commissioner_week, name="dashboard_week"),
    path("dashboard/kpis/", dashboard_views.kpi_table, name="dashboard_kpis"),
    path("briefing/", dashboard_views.briefing, name="briefing"),
    path("briefing.xlsx", dashboard_views.briefing_xlsx, name="briefing_xlsx"),
    path("ledger/cases.xlsx", dashboard_views.case_ledger, name="case_ledger"),
    path("ledger/my.xlsx", dashboard_views.my_ledger, name="my_ledger"),
    path("notifications/", notify_views.inbox, name="notify_inbox"),
    path("notifications/read/", notify_views.mark_read, name="notify_read"),
    path("notifications/settings/", notify_views.preferences, name="notify_preferences"),
    path("notifications/dead/", notify_views.dead_letters, name="notify_dead"),
    path("office/", navigation.office_home, name="office_home"),
    path("office/assignments/", enterprise_pages.assignment_page, name="office_assignments"),
    path("office/categories/", settings_views.category_list, name="office_categories"),
    path("office/inspections/", enterprise_office.inspections, name="office_inspections"),
    path(
        "office/inspections/<int:inspection_id>/", enterprise_office.inspection_edit, name="office_inspection"
    ),
    path("office/indicators/", enterprise_office.indicators, name="office_indicators"),
    path("office/company-projects/", enterprise_office.projects, name="office_company_projects"),
    path(
        "office/company-projects/<int:project_id>/",
        enterprise_office.project_edit,
        name="office_company_project",
    ),
    path("office/categories/<int:category_id>/", settings_views.category_edit, name="office_category"),
    path("office/sla/", settings_views.sla_list, name="office_sla"),
    path("office/sla/<int:policy_id>/", settings_views.sla_edit, name="office_sla_rule"),
    path("api/v1/", api.urls),
    path("open311/v2/", include("nuanqi.patrol.open311.urls")),
    path("admin/", admin.site.urls),
]

if settings.NUANQI_BENCH:  # bench/ only: the reference endpoints (see nuanqi.benchref)
    urlpatterns.append(path("bench/", include("nuanqi.benchref.views")))
