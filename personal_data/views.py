"""HR's pages for one person's data: what Lodestar holds, the JSON download, erasure."""

from django.contrib import messages
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from common.web import REFUSALS, form_errors
from people.decorators import role_required
from people.models import User
from people.roles import Role
from personal_data import selectors, services
from personal_data.forms import EraseForm
from personal_data.registry import REFERENCES, is_erased

SEARCH_LIMIT = 50


@role_required(Role.HR)
def person_search(request):
    query = request.GET.get("q", "").strip()
    people = (
        User.objects.filter(Q(full_name__icontains=query) | Q(email__icontains=query)).order_by(
            "full_name", "pk"
        )[:SEARCH_LIMIT]
        if query
        else []
    )
    return render(request, "personal_data/search.html", {"query": query, "people": people})


@role_required(Role.HR)
def person_detail(request, pk: int, form: EraseForm | None = None, status: int = 200):
    person = get_object_or_404(User, pk=pk)
    export = selectors.person_export(person=person)
    context = {
        "person": person,
        "erased": is_erased(person),
        "holdings": selectors.holdings(export),
        "on_erase": _on_erase(),
        "form": form or EraseForm(),
    }
    return render(request, "personal_data/person.html", context, status=status)


@role_required(Role.HR)
def person_export(request, pk: int):
    person = get_object_or_404(User, pk=pk)
    export = services.person_export_record(person=person, by=request.user)
    response = JsonResponse(export, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.HR)
@require_POST
def person_erase(request, pk: int):
    person = get_object_or_404(User, pk=pk)
    form = EraseForm(request.POST)
    if form.is_valid():
        name = person.full_name
        try:
            services.person_erase(
                person=person, by=request.user, confirm=form.cleaned_data["confirm"]
            )
        except REFUSALS as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{name}'s personal data is erased.")
            return redirect("personal_data:person", pk=person.pk)
    return person_detail(request, pk, form=form, status=400)


def _on_erase() -> list[dict]:
    """What erasure does, one line per kind of row (the registry's words)."""
    seen, lines = set(), []
    for reference in REFERENCES:
        if reference.section == "actions" or reference.section in seen:
            continue
        seen.add(reference.section)
        lines.append({"section": reference.section, "why": reference.why})
    return lines
