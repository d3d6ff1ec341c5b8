"""The problems an import finds: every one is counted, the first ones are kept to show."""

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS

PROBLEMS_KEPT = 1000


@dataclass
class Problems:
    """Problems in file order, each {file, row, column, message}; `total` counts them all."""

    limit: int = PROBLEMS_KEPT
    items: list[dict] = field(default_factory=list)
    total: int = 0

    def add(self, message: str, *, row: int | None = None, column: str = "", file: str = ""):
        self.total += 1
        if len(self.items) < self.limit:
            self.items.append({"file": file, "row": row, "column": column, "message": message})

    def add_all(self, found: dict, *, row: int | None, columns: dict[str, str], file: str = ""):
        """Add a model's {field: [messages]}, naming each field by the column it came from."""
        for name, messages in found.items():
            column = "" if name == NON_FIELD_ERRORS else columns.get(name, name)
            for message in messages if isinstance(messages, list) else [messages]:
                self.add(str(message), row=row, column=column, file=file)

    def __bool__(self) -> bool:
        return self.total > 0
