"""Shapes of the dashboards (documented in the OpenAPI schema) and their query parameters."""

from rest_framework import serializers

from common.fields import AsOfDateField
from common.serializers import Serializer
from feedback.api.serializers import BalanceReportSerializer
from mentorship.selectors import QUIET_AFTER_DAYS
from metrics.api.serializers import (
    CohortSummarySerializer,
    ProgramImpactSerializer,
    ScorecardSerializer,
)
from programs.models import Enrollment, Module


def _percent(**kwargs):
    return serializers.DecimalField(max_digits=5, decimal_places=1, **kwargs)


def _enrollment_status(**kwargs):
    # A plain string: a second choice set named "status" would make the schema's enum
    # names collide with the other apps' status enums.
    values = ", ".join(Enrollment.Status.values)
    return serializers.CharField(help_text=f"The enrollment's status: {values}.", **kwargs)


class DashboardQuerySerializer(Serializer):
    as_of = AsOfDateField(
        required=False,
        help_text="See the dashboard as it was at the end of this day (YYYY-MM-DD). "
        "Default: today.",
    )


class DashboardPersonSerializer(Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.EmailField()


class DashboardRefSerializer(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DashboardCohortSerializer(DashboardRefSerializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class CompetencyBarSerializer(Serializer):
    competency = serializers.CharField()
    required_total = serializers.IntegerField()
    required_done = serializers.IntegerField()
    percent = _percent()


class DashboardModuleSerializer(Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Module.Kind.choices)
    competency = serializers.CharField()
    is_required = serializers.BooleanField()


class UpcomingCohortSessionSerializer(Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.CharField(allow_blank=True)
    meeting_url = serializers.CharField(allow_blank=True)


class LeaderProgramSerializer(Serializer):
    enrollment_id = serializers.IntegerField()
    status = _enrollment_status()
    program = DashboardRefSerializer()
    cohort = DashboardCohortSerializer()
    required_total = serializers.IntegerField()
    required_done = serializers.IntegerField()
    required_expected = serializers.IntegerField(
        help_text="Required modules due by now, pro rata of the cohort's elapsed run."
    )
    percent = _percent(help_text="Required modules done, in %.")
    competencies = CompetencyBarSerializer(many=True)
    next_modules = DashboardModuleSerializer(many=True, help_text="The next modules not done yet.")
    upcoming_sessions = UpcomingCohortSessionSerializer(many=True)


class NextMentoringSessionSerializer(Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    format = serializers.CharField()


class OpenActionItemSerializer(Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    owner = serializers.CharField(help_text="mentor or mentee")
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    session_id = serializers.IntegerField()


class GoalBriefSerializer(Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    competency = serializers.CharField(allow_null=True)
    status = serializers.CharField(help_text="not_started, in_progress, achieved or dropped")
    progress = serializers.IntegerField(help_text="0 to 100")
    target_date = serializers.DateField(allow_null=True)


class LeaderMentoringSerializer(Serializer):
    mentor = DashboardPersonSerializer(allow_null=True)
    paired_since = serializers.DateField(allow_null=True)
    sessions_held = serializers.IntegerField()
    last_session_at = serializers.DateTimeField(allow_null=True)
    next_session = NextMentoringSessionSerializer(allow_null=True)
    open_action_items = OpenActionItemSerializer(many=True)
    overdue_action_items = serializers.IntegerField()
    goals = GoalBriefSerializer(many=True, help_text="Current state (goals keep no history).")


class OpenRaterRequestSerializer(Serializer):
    id = serializers.IntegerField()
    cycle = serializers.CharField()
    subject = DashboardPersonSerializer(help_text="Whom the leader is asked about.")
    group = serializers.CharField()
    due_at = serializers.DateTimeField()
    answer_url = serializers.CharField(
        allow_null=True, help_text="The leader's own rater link; only for the leader."
    )


class LeaderFeedbackSerializer(Serializer):
    open_requests = OpenRaterRequestSerializer(many=True)
    latest_report = BalanceReportSerializer(
        allow_null=True, help_text="The latest released report, when the caller may see it."
    )


class LeaderDashboardSerializer(Serializer):
    leader = DashboardPersonSerializer()
    as_of = serializers.DateField()
    program = LeaderProgramSerializer(allow_null=True, help_text="None: not enrolled.")
    mentoring = LeaderMentoringSerializer()
    feedback = LeaderFeedbackSerializer(
        allow_null=True, help_text="None for a mentor the leader has not shared a report with."
    )
    metrics = ScorecardSerializer()


class MenteeProgressSerializer(Serializer):
    program = serializers.CharField()
    cohort = serializers.CharField()
    status = _enrollment_status()
    required_done = serializers.IntegerField()
    required_total = serializers.IntegerField()
    required_expected = serializers.IntegerField()
    percent = _percent()


class MenteeCardSerializer(Serializer):
    pairing_id = serializers.IntegerField(help_text="Log a session for this pairing.")
    leader = DashboardPersonSerializer()
    paired_since = serializers.DateField()
    program = MenteeProgressSerializer(allow_null=True)
    last_session_at = serializers.DateTimeField(allow_null=True)
    sessions_this_quarter = serializers.IntegerField()
    open_action_items = serializers.IntegerField()
    overdue_action_items = serializers.IntegerField()
    open_goals = serializers.IntegerField()
    goals_progress = _percent(allow_null=True, help_text="Mean progress of open goals.")
    needs_attention = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class MentorDashboardSerializer(Serializer):
    mentor = DashboardPersonSerializer()
    as_of = serializers.DateField()
    quarter_started_on = serializers.DateField()
    mentees = MenteeCardSerializer(many=True, help_text="Those needing attention first.")


class ManagedPlanSerializer(Serializer):
    id = serializers.IntegerField()
    cycle = serializers.CharField(help_text="The report the plan answers.")


class TeamEngagementSerializer(Serializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    period = serializers.CharField()
    source = serializers.CharField(help_text="Team pulse, CSV import, API or by hand.")
    note = serializers.CharField(help_text='For a pulse: "team pulse, N answers".')


class ManagedLeaderSerializer(Serializer):
    leader = DashboardPersonSerializer()
    reports_to = DashboardPersonSerializer(
        allow_null=True, help_text="Their own manager (for a director: one of their managers)."
    )
    region = serializers.CharField()
    program = MenteeProgressSerializer(allow_null=True)
    mentor = DashboardPersonSerializer(allow_null=True)
    sessions_held = serializers.IntegerField(help_text="Mentoring sessions held so far.")
    last_session_at = serializers.DateTimeField(allow_null=True)
    open_action_items = serializers.IntegerField()
    overdue_action_items = serializers.IntegerField()
    plan = ManagedPlanSerializer(allow_null=True, help_text="Their latest development plan.")
    metrics_on_target = serializers.IntegerField()
    metrics_below_target = serializers.ListField(child=serializers.CharField())
    team_engagement = TeamEngagementSerializer(
        allow_null=True, help_text="The latest team engagement value, with its source."
    )
    pulse_shared = serializers.BooleanField(
        help_text="The leader shows you their team pulse (statements, eNPS, comments)."
    )
    needs_attention = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class ManagerDashboardSerializer(Serializer):
    manager = DashboardPersonSerializer()
    as_of = serializers.DateField()
    leaders = ManagedLeaderSerializer(many=True, help_text="Those needing attention first.")


class FunnelStepSerializer(Serializer):
    status = _enrollment_status()
    label = serializers.CharField()
    count = serializers.IntegerField()


class ModuleCompletionRateSerializer(DashboardModuleSerializer):
    completed = serializers.IntegerField(help_text="Leaders taking part who completed it.")
    percent = _percent()


class MentoringActivitySerializer(Serializer):
    mentor = DashboardPersonSerializer(allow_null=True)
    sessions_held = serializers.IntegerField()
    last_session_at = serializers.DateTimeField(allow_null=True)
    quiet = serializers.BooleanField(
        help_text=f"No held session for {QUIET_AFTER_DAYS} days or more (since the pairing "
        "began, before the first one)."
    )


class CohortLeaderSerializer(Serializer):
    leader = DashboardPersonSerializer()
    status = _enrollment_status()
    required_done = serializers.IntegerField()
    required_total = serializers.IntegerField()
    percent = _percent()
    modules = serializers.ListField(
        child=serializers.DateField(allow_null=True),
        help_text="Completion day per module, in the order of `modules` (null: not done).",
    )
    mentoring = MentoringActivitySerializer()
    metrics_below_target = serializers.ListField(child=serializers.CharField())
    at_risk_reasons = serializers.ListField(child=serializers.CharField())


class QuietPairingSerializer(Serializer):
    leader = DashboardPersonSerializer()
    mentor = DashboardPersonSerializer()


class AtRiskSerializer(Serializer):
    leader = DashboardPersonSerializer()
    reasons = serializers.ListField(child=serializers.CharField())


class CohortHeadSerializer(DashboardCohortSerializer):
    program = serializers.CharField()


class GroupResponseRateSerializer(Serializer):
    group = serializers.CharField()
    label = serializers.CharField()
    asked = serializers.IntegerField()
    answered = serializers.IntegerField()
    rate = _percent()


class FeedbackCycleBriefSerializer(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()


class CohortFeedbackSerializer(Serializer):
    cycle = FeedbackCycleBriefSerializer()
    groups = GroupResponseRateSerializer(many=True)


class PlanFocusCountSerializer(Serializer):
    dimension = serializers.CharField()
    label = serializers.CharField()
    leaders = serializers.IntegerField(help_text="Leaders with this dimension in focus.")


class PlanCycleSerializer(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    released_at = serializers.DateTimeField()


class CohortPlansSerializer(Serializer):
    cycle = PlanCycleSerializer(help_text="The cohort's latest released 360° cycle.")
    leaders = serializers.IntegerField(help_text="Leaders that cycle's report was about.")
    with_plan = serializers.IntegerField(help_text="Of them, those who built a plan from it.")
    focus = PlanFocusCountSerializer(many=True, help_text="The nine dimensions, in order.")


class CohortDashboardSerializer(Serializer):
    cohort = CohortHeadSerializer()
    as_of = serializers.DateField()
    required_expected = serializers.IntegerField(
        help_text="Required modules due by now, pro rata of the cohort's elapsed run."
    )
    funnel = FunnelStepSerializer(many=True)
    modules = ModuleCompletionRateSerializer(many=True)
    leaders = CohortLeaderSerializer(many=True)
    quiet_pairings = QuietPairingSerializer(many=True)
    at_risk = AtRiskSerializer(many=True)
    feedback = CohortFeedbackSerializer(
        allow_null=True, help_text="The latest cycle opened by as_of; None without one."
    )
    plans = CohortPlansSerializer(
        allow_null=True,
        help_text="Development plan coverage of the latest released cycle; None without one.",
    )
    metrics = CohortSummarySerializer()


class CompletionFiguresSerializer(Serializer):
    leaders = serializers.IntegerField(help_text="Enrolled and not withdrawn.")
    completed = serializers.IntegerField()
    completion_rate = _percent()
    required_modules = serializers.IntegerField()
    required_modules_done_share = _percent()
    average_module_score = _percent(allow_null=True, help_text="0 to 100, where HR recorded one.")
    scored_completions = serializers.IntegerField()


class MetricLevelSerializer(Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField(help_text="higher or lower (is better)")


class BeforeAfterMetricSerializer(Serializer):
    metric = MetricLevelSerializer()
    latest_period = serializers.CharField(allow_null=True)
    leaders = serializers.IntegerField(help_text="Leaders with a value before and now.")
    before = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        help_text="Average of each leader's last value before their cohort started.",
    )
    after = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        help_text="Average in the metric's latest period.",
    )


class PlanChangeSerializer(Serializer):
    plans = serializers.IntegerField(help_text="Plans whose leader's next report is out.")
    focus_change = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        allow_null=True,
        help_text="Mean change of the balance on the plans' focus dimensions.",
    )
    other_change = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        allow_null=True,
        help_text="Mean change on the dimensions not in focus.",
    )
    withheld = serializers.BooleanField(
        help_text="Fewer plans than the anonymity threshold (3): no figure is shown."
    )


class CohortPlanChangeSerializer(PlanChangeSerializer):
    cohort = DashboardRefSerializer()


class ProgramPlansSerializer(Serializer):
    cohorts = CohortPlanChangeSerializer(many=True)
    overall = PlanChangeSerializer()


class ProgramImpactDashboardSerializer(Serializer):
    program = DashboardRefSerializer()
    as_of = serializers.DateField()
    completion = CompletionFiguresSerializer()
    before_after = BeforeAfterMetricSerializer(many=True)
    impact = ProgramImpactSerializer()
    plans = ProgramPlansSerializer(
        help_text="Development plans: did the focus dimensions move more than the others?"
    )


def cohort_csv_rows(dashboard: dict) -> list[dict]:
    """The cohort dashboard as HR exports it: one CSV row per leader."""
    titles = [module["title"] for module in dashboard["modules"]]
    rows = []
    for row in dashboard["leaders"]:
        rows.append(
            {
                "leader": row["leader"]["full_name"],
                "email": row["leader"]["email"],
                "status": row["status"],
                "required_done": row["required_done"],
                "required_total": row["required_total"],
                "progress_percent": row["percent"],
                **{
                    f"module: {title}": (completed_on.isoformat() if completed_on else "")
                    for title, completed_on in zip(titles, row["modules"], strict=True)
                },
                "mentor": (row["mentoring"]["mentor"] or {}).get("full_name", ""),
                "mentoring_sessions_held": row["mentoring"]["sessions_held"],
                "metrics_below_target": " ".join(row["metrics_below_target"]),
                "at_risk_reasons": " ".join(row["at_risk_reasons"]),
            }
        )
    return rows
