"""The User admin's "Erase personal data" action (attached in people/admin.py): a
confirmation page where HR types each person's email address, then ``person_erase``
for each (its refusals, such as the last HR user, become messages)."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from common.web import REFUSALS, error_text
from personal_data import services


@admin.action(description="Erase personal data of the selected people…")
def erase_personal_data(modeladmin, request, queryset):
    people = list(queryset.order_by("full_name", "pk"))
    typed = {person.pk: request.POST.get(f"confirm-{person.pk}", "").strip() for person in people}
    unconfirmed = {
        p.pk for p in people if not services.erase_confirmed(person=p, confirm=typed[p.pk])
    }
    # Nobody is erased until every one of them is confirmed.
    if "erase" not in request.POST or unconfirmed:
        tried = "erase" in request.POST
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": "Erase personal data",
            "opts": modeladmin.model._meta,
            "people": [
                {"person": p, "typed": typed[p.pk], "wrong": tried and p.pk in unconfirmed}
                for p in people
            ],
            "action": request.POST.get("action", ""),
        }
        return TemplateResponse(request, "admin/personal_data/erase_selected.html", context)
    for person in people:
        name = person.full_name
        try:
            services.person_erase(person=person, by=request.user, confirm=typed[person.pk])
        except REFUSALS as error:
            modeladmin.message_user(request, f"{name}: {error_text(error)}", messages.ERROR)
            continue
        person.refresh_from_db()  # the log names the placeholder, never the person
        modeladmin.log_change(request, person, "Erased personal data.")
        modeladmin.message_user(request, f"{name}'s personal data is erased.", messages.SUCCESS)
    return None
