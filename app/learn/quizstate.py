"""Where a learner stands in a quiz attempt: what was answered, what comes next."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from app.content.model import Question
from app.content.model import Quiz
from app.progress.models import QuestionResponse
from app.progress.models import QuizAttempt


@dataclass
class QuizState:
    """A quiz seen through one attempt (or through a fresh one not started yet)."""

    quiz: Quiz
    attempt: QuizAttempt | None = None

    @cached_property
    def question_ids(self) -> list[str]:
        """Return the ids the attempt asks, in order (the whole quiz before it starts)."""
        if self.attempt is None:
            return [question.id for question in self.quiz.questions]
        return list(self.attempt.question_ids)

    @cached_property
    def questions(self) -> list[Question]:
        """Return the attempt's questions that the course still has."""
        by_id = {question.id: question for question in self.quiz.questions}
        return [by_id[question_id] for question_id in self.question_ids if question_id in by_id]

    @cached_property
    def answered(self) -> dict[str, QuestionResponse]:
        """Return question id → the stored answer, for this attempt."""
        if self.attempt is None:
            return {}
        return {response.question_id: response for response in self.attempt.responses}

    @property
    def total(self) -> int:
        """Return how many questions the attempt asks."""
        return len(self.question_ids)

    @property
    def next_question(self) -> Question | None:
        """Return the first question not answered yet, if any."""
        return next((question for question in self.questions if question.id not in self.answered), None)

    @property
    def number(self) -> int:
        """Return the 1-based position of the next question."""
        return min(len(self.answered) + 1, max(self.total, 1))

    def missed_ids(self) -> list[str]:
        """Return the questions of the attempt answered wrongly or not at all."""
        return [
            question.id
            for question in self.questions
            if question.id not in self.answered or not self.answered[question.id].correct
        ]

    def question(self, question_id: str) -> Question | None:
        """Return a question of the quiz by id, if the course still has it."""
        return next((question for question in self.quiz.questions if question.id == question_id), None)
