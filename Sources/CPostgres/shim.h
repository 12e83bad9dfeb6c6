// libpq, PostgreSQL's client library (libpq-dev).
#include <libpq-fe.h>
