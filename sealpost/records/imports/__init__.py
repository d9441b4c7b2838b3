"""The parts of the records import (sealpost.records.importer is its public face): reading
files (sources), reading cells (cells), the columns of each kind (columns), one module per kind
(students, grades, holds) and the report."""
