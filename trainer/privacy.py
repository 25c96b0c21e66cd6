"""A trainee's personal data: everything held about them, and erasing it."""

from typing import Dict, List, Optional, Tuple

from sqlalchemy import delete, select

from trainer.db import Database, retrying
from trainer.models import ClassVote, Cohort, LinkCode, Trainee, as_utc
from trainer.progress import answer_dict


@retrying
def export_trainee(db: Database, trainee_id: int) -> Optional[Dict]:
    """Everything held about a trainee, as JSON-ready data; None if there is no such trainee."""
    with db.transaction() as session:
        trainee = session.get(Trainee, trainee_id)
        if trainee is None:
            return None
        cohort = session.get(Cohort, trainee.cohort_id) if trainee.cohort_id else None
        return {
            "trainee": {
                "id": trainee.id,
                "display_name": trainee.display_name,
                "language": trainee.language,
                "cohort": cohort and cohort.name,
                "created_at": as_utc(trainee.created_at).isoformat(),
            },
            "channels": [
                {"channel": i.channel, "sender_id": i.sender_id, "since": as_utc(i.created_at).isoformat()}
                for i in trainee.identities
            ],
            "attempts": [
                {
                    "id": a.id,
                    "scenario": a.scenario_id,
                    "status": a.status,
                    "current_step": a.current_node,
                    "score": a.score,
                    "started_at": as_utc(a.started_at).isoformat(),
                    "finished_at": a.finished_at and as_utc(a.finished_at).isoformat(),
                    "answers": [answer_dict(answer) for answer in a.answers],
                }
                for a in trainee.attempts
            ],
            "knowledge_checks": [
                {
                    "kind": check.kind,
                    "form": check.form,
                    "started_at": as_utc(check.started_at).isoformat(),
                    "finished_at": check.finished_at and as_utc(check.finished_at).isoformat(),
                    "answers": [
                        {"item": answer.item_id, "option": answer.option_id, "correct": answer.correct}
                        for answer in check.answers
                    ],
                }
                for check in trainee.checks
            ],
            "reminders": trainee.reminders,
            "class_votes": [
                {"session": vote.class_session_id, "step": vote.step_id, "option": vote.option_id}
                for vote in session.execute(select(ClassVote).where(ClassVote.trainee_id == trainee_id)).scalars()
            ],
            "reviews": [
                {
                    "scenario": item.scenario_id,
                    "step": item.step_id,
                    "stage": item.stage,
                    "due_at": as_utc(item.due_at).isoformat(),
                    "answers": [
                        {
                            "stage": a.stage,
                            "option": a.option_id,
                            "correct": a.correct,
                            "at": as_utc(a.answered_at).isoformat(),
                        }
                        for a in item.answers
                    ],
                }
                for item in trainee.reviews
            ],
        }


@retrying
def erase_trainee(db: Database, trainee_id: int) -> Optional[Tuple[Dict[str, int], List[Tuple[str, str]]]]:
    """Delete a trainee, their attempts, answers and link codes. Returns what was removed and
    the trainee's (channel, sender id) pairs, whose conversations the caller erases from Rasa's
    tracker store; None if there is no such trainee."""
    with db.transaction() as session:
        trainee = session.get(Trainee, trainee_id)
        if trainee is None:
            return None
        identities = [(identity.channel, identity.sender_id) for identity in trainee.identities]
        counts = {
            "attempts": len(trainee.attempts),
            "answers": sum(len(attempt.answers) for attempt in trainee.attempts),
            "channels": len(identities),
        }
        session.execute(delete(LinkCode).where(LinkCode.trainee_id == trainee_id))
        session.delete(trainee)
        return counts, identities
