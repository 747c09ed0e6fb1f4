"""Who may do what is on record: every change an administrator makes in the admin (roles,
units, people, the calendar, the catalogue) goes through a service into the audit chain, and
moving a unit moves its whole subtree."""

import pytest
from django.test import Client

from lianxin.core.audit import audit_breaks
from lianxin.core.models import AuditEvent, Role, RoleAssignment, Unit
from lianxin.core.services import role_grant


@pytest.fixture
def admin_client(people):
    client = Client()
    client.force_login(people["admin"])
    return client


def test_granting_and_removing_a_role_in_the_admin_is_audited(admin_client, people, district):
    response = admin_client.post(
        "/admin/core/roleassignment/add/",
        {"user": people["citizen"].pk, "role": Role.INSPECTOR, "unit": district["root"].pk},
    )
    assert response.status_code == 302, response.content[:500]
    assignment = RoleAssignment.objects.get(user=people["citizen"], role=Role.INSPECTOR)
    event = AuditEvent.objects.get(action="core.roleassignment_create")
    assert event.actor == people["admin"] and event.object_id == str(assignment.pk)
    assert event.data["role"] == Role.INSPECTOR and event.data["user"] == people["citizen"].pk

    response = admin_client.post(
        f"/admin/core/roleassignment/{assignment.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert (
        AuditEvent.objects.filter(
            action="core.roleassignment_delete", object_id=str(assignment.pk)
        ).count()
        == 1
    )
    assert list(audit_breaks()) == []


def test_a_role_granted_inline_on_a_unit_page_is_audited(admin_client, people, district):
    unit = district["vet"]
    data = {
        "name": unit.name,
        "code": unit.code,
        "kind": unit.kind,
        "parent": unit.parent_id,
        "is_active": "on",
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "0",
        "roles-0-user": people["citizen"].pk,
        "roles-0-role": Role.HANDLER,
    }
    existing = list(unit.roles.all())
    data["roles-TOTAL_FORMS"] = str(len(existing) + 1)
    data["roles-INITIAL_FORMS"] = str(len(existing))
    for n, assignment in enumerate(existing):
        data.update(
            {
                f"roles-{n}-id": assignment.pk,
                f"roles-{n}-unit": unit.pk,
                f"roles-{n}-user": assignment.user_id,
                f"roles-{n}-role": assignment.role,
            }
        )
    new = len(existing)
    data.update(
        {
            f"roles-{new}-user": people["citizen"].pk,
            f"roles-{new}-role": Role.HANDLER,
            f"roles-{new}-unit": unit.pk,
        }
    )
    response = admin_client.post(f"/admin/core/unit/{unit.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    assert RoleAssignment.objects.filter(user=people["citizen"], unit=unit).exists()
    assert AuditEvent.objects.filter(action="core.roleassignment_create").count() == 1


def test_moving_a_unit_moves_its_subtree_and_who_it_reaches(admin_client, people, district):
    street, community, vet = district["street"], district["community"], district["vet"]
    village = Unit.objects.create(
        name="东湖村", code="east-village", kind="village", parent=community
    )
    response = admin_client.post(
        f"/admin/core/unit/{community.pk}/change/",
        {
            "name": community.name,
            "code": community.code,
            "kind": community.kind,
            "parent": vet.pk,
            "is_active": "on",
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    community.refresh_from_db()
    village.refresh_from_db()
    assert community.path == f"{vet.path}{community.pk}."
    assert village.path == f"{community.path}{village.pk}."
    assert not street.contains(village) and vet.contains(village)
    event = AuditEvent.objects.get(action="core.unit_change")
    assert event.data == {"parent": vet.pk}


def test_a_unit_cannot_be_moved_under_its_own_subtree(admin_client, district):
    street, community = district["street"], district["community"]
    response = admin_client.post(
        f"/admin/core/unit/{street.pk}/change/",
        {
            "name": street.name,
            "code": street.code,
            "kind": street.kind,
            "parent": community.pk,
            "is_active": "on",
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    street.refresh_from_db()
    assert street.parent == district["root"]
    assert not AuditEvent.objects.filter(action="core.unit_change").exists()


def test_making_someone_superuser_or_changing_a_password_is_audited(admin_client, people):
    citizen = people["citizen"]
    response = admin_client.post(
        f"/admin/auth/user/{citizen.pk}/password/",
        {"password1": "a-new-long-password-1", "password2": "a-new-long-password-1"},
    )
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="auth.user_change")
    assert event.data == {"password": "(changed)"}
    assert "a-new-long-password-1" not in str(event.data)


def test_role_grant_service_is_audited(people, district):
    role_grant(
        user=people["citizen"], role=Role.SUPERVISOR, unit=district["root"], actor=people["admin"]
    )
    assert AuditEvent.objects.filter(action="core.roleassignment_create").count() == 1
