# PGXS build of the syncbridge extension. The C++ sidecar, emulator and
# tests are built by CMakeLists.txt.
EXTVERSION = 0.1.0
EXTENSION = extension/syncbridge

MODULE_big = syncbridge
OBJS = $(patsubst %.c,%.o,$(wildcard extension/src/*.c))
PG_CPPFLAGS = -I$(srcdir)/extension/src
SHLIB_LINK = -lsodium
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare $(if $(SYNCBRIDGE_WERROR),-Werror)

# The install script is assembled from the numbered parts in extension/sql;
# later versions add hand-written upgrade scripts beside it.
SCHEMA_PARTS = $(sort $(wildcard extension/sql/*.sql))
EXTENSION_SCRIPT = extension/syncbridge--$(EXTVERSION).sql
DATA_built = $(EXTENSION_SCRIPT)

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --outputdir=build/regress --load-extension=syncbridge

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION_SCRIPT): $(SCHEMA_PARTS) Makefile
	{ printf '%s\n' '-- generated from extension/sql/*.sql by make; edit those files'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION syncbridge" to load this file. \quit'; \
	  cat $(SCHEMA_PARTS); } > $@

installcheck: | build/regress
build/regress:
	mkdir -p $@
