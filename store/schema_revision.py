"""The schema revision this code reads and writes: the newest migration's id.

A read compares a store's revision with it before reading, without loading alembic and every migration script
(which would cost a read a fifth of a second); a test keeps it equal to the migrations' own head.
"""

HEAD_REVISION = "0101_cursor_by_catch_up"
