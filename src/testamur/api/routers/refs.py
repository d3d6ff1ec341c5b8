"""Short references to related records, shared by the resources' outputs."""

from ninja import Schema


class LearnerRef(Schema):
    id: int
    client_id: str
    name: str

    @staticmethod
    def resolve_name(learner) -> str:
        return learner.full_name


class CourseRef(Schema):
    id: int
    code: str
    title: str


class OfferRef(Schema):
    id: int
    code: str


class UnitRef(Schema):
    id: int
    code: str
    title: str


class UserRef(Schema):
    id: int
    username: str
    name: str

    @staticmethod
    def resolve_name(user) -> str:
        return user.display_name
