import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from people.models import User
from people.roles import Role
from people.services import reporting_line_record


def _add_roles(user, create, roles) -> None:
    if create:
        user.groups.add(*Group.objects.filter(name__in=roles))
        user.save()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    job_title = "Account Executive"
    region = "North"
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _add_roles(self, create, extracted or ())

    @factory.post_generation
    def reporting_line(self, create, extracted, **kwargs):
        """The history of a manager given to the factory, as the services keep it: the
        person reports to them from the day they joined."""
        if create and self.manager_id:
            reporting_line_record(
                lines={self: self.manager}, on=timezone.localdate(self.date_joined)
            )


class HRFactory(UserFactory):
    job_title = "HR Business Partner"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _add_roles(self, create, extracted or [Role.HR])


class MentorFactory(UserFactory):
    job_title = "Senior Sales Director"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _add_roles(self, create, extracted or [Role.MENTOR])


class LeaderFactory(UserFactory):
    job_title = "Sales Team Lead"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _add_roles(self, create, extracted or [Role.LEADER])

    manager = factory.SubFactory(UserFactory, job_title="Regional Sales Director")
