"""What happens when the editorial workflow is approved.

Éditeurs hold no "publish" permission (migration 0004): a page goes live only through the
workflow, when another editor approves it. Wagtail's default finishing action re-checks the
approver's publish permission, which would make approval impossible; the approval itself is
the permission here, granted by `SecondEditorApprovalTask` (never to the submitter).
"""


def publish_approved(workflow_state, user=None):
    """`WAGTAIL_FINISH_WORKFLOW_ACTION`: publish the approved revision."""
    workflow_state.content_object.get_latest_revision().publish(
        user=user, skip_permission_checks=True
    )
