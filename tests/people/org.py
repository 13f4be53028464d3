"""A reporting line with two regions, for the manager role's tests (issue 16).

Catherine (CSO, no login)
├── Dana (North director, Manager)
│   ├── Mona (manager, Manager)
│   │   ├── Leo (Leader)        ── Tess (team member, no login)
│   │   ├── Lia (Leader)
│   │   └── Pete (no role: reports to Mona but is not a leader)
│   └── Max (manager, *no* Manager role: HR never let him sign in)
│       ├── Luke (Leader)
│       └── Sam (team lead, no role)
│           └── Lou (Leader)    three levels below Dana
└── Sora (South director, Manager)
    └── Sven (Leader, South)
"""

import dataclasses

from people.models import User
from people.roles import Role
from tests.people.factories import LeaderFactory, UserFactory


@dataclasses.dataclass
class Org:
    cso: User
    dana: User
    mona: User
    max: User
    sora: User
    leo: User
    lia: User
    luke: User
    lou: User
    sven: User
    tess: User
    pete: User
    sam: User

    @property
    def north_leaders(self) -> set[int]:
        return {self.leo.pk, self.lia.pk, self.luke.pk, self.lou.pk}


def manager(full_name: str, *, reports_to=None, region: str = "North", role: bool = True):
    return UserFactory(
        full_name=full_name,
        job_title="Sales Manager",
        region=region,
        manager=reports_to,
        roles=[Role.MANAGER] if role else None,
    )


def build_org() -> Org:
    cso = UserFactory(full_name="Catherine Moore", job_title="Chief Sales Officer", region="HQ")
    dana = manager("Dana North", reports_to=cso)
    mona = manager("Mona Reyes", reports_to=dana)
    max_ = manager("Max Weber", reports_to=dana, role=False)
    sora = manager("Sora South", reports_to=cso, region="South")
    leo = LeaderFactory(full_name="Leo Grant", manager=mona)
    lia = LeaderFactory(full_name="Lia Park", manager=mona)
    pete = UserFactory(full_name="Pete Plain", manager=mona)
    luke = LeaderFactory(full_name="Luke Stone", manager=max_)
    sam = UserFactory(full_name="Sam Middle", job_title="Team Lead", manager=max_)
    lou = LeaderFactory(full_name="Lou Deep", manager=sam)
    sven = LeaderFactory(full_name="Sven South", manager=sora, region="South")
    tess = UserFactory(full_name="Tess Team", job_title="Account Executive", manager=leo)
    return Org(cso, dana, mona, max_, sora, leo, lia, luke, lou, sven, tess, pete, sam)
