"""Stage 1, files: reading and writing them, one module per format (as :mod:`geopandas.io`).

A reader only gets a file's rows and geometries out; it checks nothing of the contract
(that is :mod:`buitengebied.load.validate`).  :func:`read_layer_file` picks the reader by
the file's suffix.  :func:`write_csv` writes program-readable CSV outputs verbatim,
:func:`write_spreadsheet_csv` human exports with formulas neutralised (see
:mod:`buitengebied.io.csv`).
"""

from buitengebied.io._raw import WGS84, RawLayer, file_problem
from buitengebied.io.csv import write_csv, write_spreadsheet_csv
from buitengebied.io.layer_file import read_layer_file

__all__ = [
    "WGS84",
    "RawLayer",
    "file_problem",
    "read_layer_file",
    "write_csv",
    "write_spreadsheet_csv",
]
