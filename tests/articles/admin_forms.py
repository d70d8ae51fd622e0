"""Posting the admin's forms the way an editor's browser does."""

from django.urls import reverse


def admin_form_data(response) -> dict:
    """What the admin's change form would post back unchanged, inlines included."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is not None and value is not False:
                data[bound.html_name] = value
    return data


def edit_in_admin(client, obj, **changes):
    """Post obj's change form as an editor would, with `changes` made to it (lists of names one
    a line, as the admin edits them)."""
    url = reverse(f"admin:articles_{obj._meta.model_name}_change", args=[obj.pk])
    data = admin_form_data(client.get(url))
    data.update({name: "\n".join(value) if isinstance(value, list) else value for name, value in changes.items()})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    obj.refresh_from_db()
