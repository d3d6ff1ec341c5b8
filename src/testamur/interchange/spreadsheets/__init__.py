"""Spreadsheet (CSV / XLSX) imports: one importer per kind of record."""

from testamur.interchange.models import ImportKind
from testamur.interchange.spreadsheets.course_enrolments import CourseEnrolmentImport
from testamur.interchange.spreadsheets.engine import RowImporter
from testamur.interchange.spreadsheets.learners import LearnerImport
from testamur.interchange.spreadsheets.unit_enrolments import UnitEnrolmentImport

IMPORTERS: dict[str, type[RowImporter]] = {
    ImportKind.LEARNERS: LearnerImport,
    ImportKind.COURSE_ENROLMENTS: CourseEnrolmentImport,
    ImportKind.UNIT_ENROLMENTS: UnitEnrolmentImport,
}
