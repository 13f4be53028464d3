"""Who may see and do what with metrics.

Reading is scoped by ``leaders_visible_to`` in the selectors (out of scope → 404);
the role gate below sits on top.
"""

from people.permissions import RolePermission
from people.roles import AUTHENTICATED, Role

# Everyone signed in reads metric data (within their scope); only HR writes it.
METRIC_DATA = RolePermission.of(
    read=AUTHENTICATED, write=Role.HR, message="Only HR can change metric data."
)
