/*
 * apply_remote.c
 *	  syncbridge.apply_remote(sync, op, row_key, fields): the only way pulled
 *	  data enters user tables. Upserts or deletes one row by the sync's key
 *	  through SPI with cached plans and quoted identifiers.
 *
 * Two caches keep the per-row cost at one plan execution:
 *	- sync definitions (table, key, field directions), valid for one
 *	  statement, so catalog edits are seen by the next statement;
 *	- prepared plans keyed by table (oid and name), operation and the exact
 *	  columns with their types, kept across transactions. plancache re-plans
 *	  them after DDL; the types in the key stop a plan prepared for old column
 *	  types from being used, the name stops a reused oid from matching.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "syncbridge.h"

#define SYNCBRIDGE_MAX_COLUMNS 1600
/* Partial updates with varying field sets could otherwise grow without end. */
#define SYNCBRIDGE_MAX_CACHED_PLANS 512

PG_FUNCTION_INFO_V1(syncbridge_apply_remote);
PG_FUNCTION_INFO_V1(syncbridge_definitions_changed);

typedef enum ApplyOp
{
	APPLY_INSERT,
	APPLY_UPDATE,
	APPLY_DELETE
} ApplyOp;

/*
 * Statement shapes. An update runs UPDATE first and falls back to the
 * upsert only when the row is missing, so the table's triggers see a plain
 * UPDATE (an upsert that conflicts fires BEFORE INSERT and BEFORE UPDATE).
 */
typedef enum StatementKind
{
	STATEMENT_UPSERT,
	STATEMENT_UPDATE,
	STATEMENT_DELETE
} StatementKind;

typedef enum FieldDirection
{
	FIELD_BOTH,
	FIELD_PUSH_ONLY,
	FIELD_PULL_ONLY
} FieldDirection;

/* A column of the sync's table, resolved once per statement. */
typedef struct ResolvedColumn
{
	char	   *name;
	AttrNumber	attnum;			/* <= 0: no such column */
	bool		generated;
	ColumnType	type;
} ResolvedColumn;

typedef struct MappedColumn
{
	char	   *name;
	FieldDirection direction;
} MappedColumn;

/* A sync definition as apply_remote needs it. */
typedef struct SyncDef
{
	char		name[NAMEDATALEN * 2];	/* hash key */
	int32		sync_id;
	Oid			relid;
	char	   *relation;		/* schema.table, quoted; NULL if dropped */
	char	   *direction;
	int			nkeys;
	char	  **keys;
	int			nmapped;
	MappedColumn *mapped;
	int			nresolved;
	int			resolved_capacity;
	ResolvedColumn *resolved;
} SyncDef;

/* One column of a statement: name, type and the value to bind. */
typedef struct BoundColumn
{
	const char *name;
	Oid			typid;
	int32		typmod;
	Datum		value;
	bool		isnull;
} BoundColumn;

typedef struct PlanEntry
{
	char	   *key;			/* hash key (palloc'd in ApplyPlanContext) */
	SPIPlanPtr	plan;
} PlanEntry;

static HTAB *SyncDefCache = NULL;
static MemoryContext SyncDefContext = NULL;
static LocalTransactionId SyncDefTransaction = InvalidLocalTransactionId;
static TimestampTz SyncDefStatement = 0;
static uint64 SyncDefGeneration = 0;

/* Bumped by the catalog trigger whenever this backend changes a definition. */
static uint64 DefinitionGeneration = 0;

static HTAB *PlanCache = NULL;
static MemoryContext ApplyPlanContext = NULL;

/* Context for errors raised while converting one column's value. */
typedef struct ConversionContext
{
	const char *sync;
	const char *column;
} ConversionContext;

static void
ConversionErrorContext(void *arg)
{
	ConversionContext *ctx = (ConversionContext *) arg;

	if (ctx->column)
		errcontext("syncbridge.apply_remote: column \"%s\" of sync \"%s\"", ctx->column, ctx->sync);
}

/* schema.table, quoted as needed, for messages and SQL. */
static char *
RelationDisplayName(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/* Forget every cached plan (the cache is full). */
static void
ForgetPlans(void)
{
	HASH_SEQ_STATUS status;
	PlanEntry  *entry;

	hash_seq_init(&status, PlanCache);
	while ((entry = hash_seq_search(&status)) != NULL)
		SPI_freeplan(entry->plan);
	hash_destroy(PlanCache);
	PlanCache = NULL;
	MemoryContextReset(ApplyPlanContext);
}

static uint32
PlanKeyHash(const void *key, Size keysize)
{
	return string_hash(*(const char *const *) key, 0);
}

static int
PlanKeyCompare(const void *a, const void *b, Size keysize)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void
EnsurePlanCache(void)
{
	HASHCTL		ctl;

	if (PlanCache != NULL)
		return;
	if (ApplyPlanContext == NULL)
		ApplyPlanContext = AllocSetContextCreate(TopMemoryContext, "syncbridge apply plans",
												 ALLOCSET_SMALL_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(PlanEntry);
	ctl.hash = PlanKeyHash;
	ctl.match = PlanKeyCompare;
	ctl.hcxt = ApplyPlanContext;
	PlanCache = hash_create("syncbridge apply plans", 64, &ctl,
							HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/*
 * The definitions cache lives for one client command of one transaction and
 * is dropped as soon as this backend changes a definition: a new command may
 * see catalog changes other sessions committed meanwhile (READ COMMITTED),
 * and a change made here (even earlier in the same DO block) must be seen at
 * once.
 */
static void
EnsureSyncDefCache(void)
{
	HASHCTL		ctl;

	if (SyncDefCache != NULL && SyncDefTransaction == MyProc->lxid &&
		SyncDefStatement == GetCurrentStatementStartTimestamp() &&
		SyncDefGeneration == DefinitionGeneration)
		return;
	if (SyncDefContext == NULL)
		SyncDefContext = AllocSetContextCreate(TopMemoryContext, "syncbridge sync definitions",
											   ALLOCSET_SMALL_SIZES);
	MemoryContextReset(SyncDefContext);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(((SyncDef *) NULL)->name);
	ctl.entrysize = sizeof(SyncDef);
	ctl.hcxt = SyncDefContext;
	SyncDefCache = hash_create("syncbridge sync definitions", 16, &ctl,
							   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	SyncDefTransaction = MyProc->lxid;
	SyncDefStatement = GetCurrentStatementStartTimestamp();
	SyncDefGeneration = DefinitionGeneration;
}

static char *
SpiText(int row, int column)
{
	char	   *value = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column);

	return value ? MemoryContextStrdup(SyncDefContext, value) : NULL;
}

/* Read a sync definition from the catalog (inside SPI). */
static void
LoadSyncDef(SyncDef *def, text *sync_name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {PointerGetDatum(sync_name)};
	bool		isnull;
	Datum		keys;
	Datum	   *elems;
	int			nelems;

	if (SPI_execute_with_args("SELECT sync_id, source::oid, direction, key_columns "
							  "FROM syncbridge.sync WHERE name = $1",
							  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read sync definition");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("sync \"%s\" does not exist", text_to_cstring(sync_name)),
				 errhint("SELECT name FROM syncbridge.sync lists the defined syncs.")));
	def->sync_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	def->relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	def->direction = SpiText(0, 3);
	if (get_rel_name(def->relid) != NULL)
		def->relation = MemoryContextStrdup(SyncDefContext, RelationDisplayName(def->relid));
	def->resolved_capacity = 16;
	def->resolved = MemoryContextAllocZero(SyncDefContext,
										   sizeof(ResolvedColumn) * def->resolved_capacity);
	keys = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull);
	deconstruct_array(DatumGetArrayTypeP(keys), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, NULL, &nelems);
	def->nkeys = nelems;
	def->keys = MemoryContextAlloc(SyncDefContext, sizeof(char *) * nelems);
	for (int i = 0; i < nelems; i++)
		def->keys[i] = MemoryContextStrdup(SyncDefContext, TextDatumGetCString(elems[i]));

	values[0] = Int32GetDatum(def->sync_id);
	argtypes[0] = INT4OID;
	if (SPI_execute_with_args("SELECT column_name, direction FROM syncbridge.field_map "
							  "WHERE sync_id = $1",
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read field map");
	def->nmapped = (int) SPI_processed;
	def->mapped = MemoryContextAlloc(SyncDefContext, sizeof(MappedColumn) * (def->nmapped + 1));
	for (int i = 0; i < def->nmapped; i++)
	{
		char	   *direction = SpiText(i, 2);

		def->mapped[i].name = SpiText(i, 1);
		def->mapped[i].direction = strcmp(direction, "push_only") == 0 ? FIELD_PUSH_ONLY
			: strcmp(direction, "pull_only") == 0 ? FIELD_PULL_ONLY : FIELD_BOTH;
	}
}

static SyncDef *
GetSyncDef(text *sync_name)
{
	char		key[NAMEDATALEN * 2];
	bool		found;
	SyncDef    *def;

	if (VARSIZE_ANY_EXHDR(sync_name) >= sizeof(key))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("sync \"%s\" does not exist", text_to_cstring(sync_name)),
				 errhint("SELECT name FROM syncbridge.sync lists the defined syncs.")));
	EnsureSyncDefCache();
	memset(key, 0, sizeof(key));
	memcpy(key, VARDATA_ANY(sync_name), VARSIZE_ANY_EXHDR(sync_name));
	def = hash_search(SyncDefCache, key, HASH_FIND, NULL);
	if (def)
		return def;
	def = palloc0(sizeof(SyncDef));
	LoadSyncDef(def, sync_name);
	/* Only a complete definition enters the cache. */
	memcpy(def->name, key, sizeof(key));
	memcpy(hash_search(SyncDefCache, key, HASH_ENTER, &found), def, sizeof(SyncDef));
	return hash_search(SyncDefCache, key, HASH_FIND, NULL);
}

static bool
IsKeyColumn(SyncDef *def, const char *column)
{
	for (int i = 0; i < def->nkeys; i++)
		if (strcmp(def->keys[i], column) == 0)
			return true;
	return false;
}

static MappedColumn *
FindMapped(SyncDef *def, const char *column)
{
	for (int i = 0; i < def->nmapped; i++)
		if (strcmp(def->mapped[i].name, column) == 0)
			return &def->mapped[i];
	return NULL;
}

/*
 * A column of the sync's table with its type's input function, looked up on
 * first use in the statement (catalog lookups per row would dominate).
 */
static ResolvedColumn *
ResolveColumn(SyncDef *def, const char *name)
{
	ResolvedColumn *column;
	Oid			typid;
	int32		typmod;
	Oid			collation;

	for (int i = 0; i < def->nresolved; i++)
		if (strcmp(def->resolved[i].name, name) == 0)
			return &def->resolved[i];
	if (def->nresolved == def->resolved_capacity)
	{
		def->resolved_capacity *= 2;
		def->resolved = repalloc(def->resolved, sizeof(ResolvedColumn) * def->resolved_capacity);
	}
	column = &def->resolved[def->nresolved];
	column->name = MemoryContextStrdup(SyncDefContext, name);
	column->attnum = get_attnum(def->relid, name);
	if (column->attnum > 0)
	{
		column->generated = get_attgenerated(def->relid, column->attnum) != '\0';
		get_atttypetypmodcoll(def->relid, column->attnum, &typid, &typmod, &collation);
		ColumnTypeInit(&column->type, typid, typmod, SyncDefContext);
	}
	def->nresolved++;
	return column;
}

/*
 * Convert a JSON value through the column type's input function. A value the
 * type rejects (class 22 data exception, or 23 for a domain's CHECK or NOT
 * NULL) is the remote side's fault, not the caller's: it is re-thrown with a
 * hint on what to fix unless the type already gave one (date input does).
 * PG_TRY does not save the signal mask, so this costs no system call per
 * value.
 */
pg_noinline static Datum
ConvertValue(JsonbValue *value, ColumnType *type, bool *isnull)
{
	MemoryContext caller_context = CurrentMemoryContext;
	Datum		result = (Datum) 0;

	PG_TRY();
	{
		result = JsonValueToDatum(value, type, isnull);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			category;

		MemoryContextSwitchTo(caller_context);
		edata = CopyErrorData();
		category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);
		if (edata->hint != NULL ||
			(category != ERRCODE_DATA_EXCEPTION &&
			 category != ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION))
		{
			FreeErrorData(edata);
			PG_RE_THROW();
		}
		FlushErrorState();
		edata->hint = psprintf("The remote value must be valid input for type %s; correct it on the remote side, "
							   "or change the column's type or the field's mapping.",
							   format_type_with_typemod(type->typid, type->typmod));
		ReThrowError(edata);
	}
	PG_END_TRY();
	return result;
}

/* Resolve a column of the sync's table and convert its JSON value. */
static void
BindColumn(SyncDef *def, const char *sync, const char *column, JsonbValue *value,
		   BoundColumn *out)
{
	ResolvedColumn *resolved = ResolveColumn(def, column);
	ErrorContextCallback callback;
	ConversionContext ctx = {sync, column};

	if (resolved->attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of %s does not exist", column, def->relation),
				 errhint("Pass fields keyed by the table's column names.")));
	if (resolved->generated)
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("column \"%s\" is generated and cannot be written", column),
				 errhint("Leave generated columns out of the fields.")));
	out->name = resolved->name;
	out->typid = resolved->type.typid;
	out->typmod = resolved->type.typmod;

	callback.callback = ConversionErrorContext;
	callback.arg = &ctx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	out->value = ConvertValue(value, &resolved->type, &out->isnull);
	error_context_stack = callback.previous;
}

/* The key columns as "a, b" for messages. */
static char *
KeyList(SyncDef *def)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < def->nkeys; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", def->keys[i]);
	return buf.data;
}

/* Collect the key columns from row_key: exactly the sync's key, no NULLs. */
static int
BindKey(SyncDef *def, const char *sync, Jsonb *row_key, BoundColumn *columns)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	int			count = 0;

	if (!JB_ROOT_IS_OBJECT(row_key))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row_key must be a JSON object"),
				 errhint("Pass the key columns by name, e.g. '{\"id\": 42}'.")));
	for (int i = 0; i < def->nkeys; i++)
	{
		JsonbValue	value;

		if (!getKeyJsonValueFromContainer(&row_key->root, def->keys[i],
										  strlen(def->keys[i]), &value))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row_key lacks key column \"%s\" of sync \"%s\"", def->keys[i], sync),
					 errhint("The key of this sync is (%s).", KeyList(def))));
		if (value.type == jbvNull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("key column \"%s\" must not be null", def->keys[i]),
					 errhint("Every key column needs a value.")));
		BindColumn(def, sync, def->keys[i], &value, &columns[count++]);
	}
	it = JsonbIteratorInit(&row_key->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *name;

		if (token != WJB_KEY)
			continue;
		name = pnstrdup(v.val.string.val, v.val.string.len);
		if (!IsKeyColumn(def, name))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row_key column \"%s\" is not part of the key of sync \"%s\"", name, sync),
					 errhint("Pass other columns in fields.")));
	}
	return count;
}

static bool
JsonValuesEqual(JsonbValue *a, JsonbValue *b)
{
	return compareJsonbContainers(&JsonbValueToJsonb(a)->root, &JsonbValueToJsonb(b)->root) == 0;
}

static int
CompareNames(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * Collect the non-key fields (sorted by name, so the same set always yields
 * the same plan). A key column may be repeated in fields only unchanged.
 */
static int
BindFields(SyncDef *def, const char *sync, Jsonb *row_key, Jsonb *fields,
		   BoundColumn *columns)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	char	  **names;
	int			nnames = 0;
	int			count = 0;

	if (!JB_ROOT_IS_OBJECT(fields))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fields must be a JSON object"),
				 errhint("Pass column values by name, e.g. '{\"title\": \"Dune\"}'.")));
	names = palloc(sizeof(char *) * (JB_ROOT_COUNT(fields) + 1));
	it = JsonbIteratorInit(&fields->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (token == WJB_KEY)
			names[nnames++] = pnstrdup(v.val.string.val, v.val.string.len);
	qsort(names, nnames, sizeof(char *), CompareNames);

	for (int i = 0; i < nnames; i++)
	{
		JsonbValue	value;
		MappedColumn *mapped;

		getKeyJsonValueFromContainer(&fields->root, names[i], strlen(names[i]), &value);
		if (IsKeyColumn(def, names[i]))
		{
			JsonbValue	key_value;

			getKeyJsonValueFromContainer(&row_key->root, names[i], strlen(names[i]), &key_value);
			if (!JsonValuesEqual(&value, &key_value))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("fields change key column \"%s\" of sync \"%s\"", names[i], sync),
						 errhint("A key change is a delete of the old key and an insert of the new one.")));
			continue;
		}
		mapped = FindMapped(def, names[i]);
		if (mapped == NULL)
		{
			if (ResolveColumn(def, names[i])->attnum <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" of %s does not exist", names[i], def->relation),
						 errhint("Pass fields keyed by the table's column names.")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" is not mapped in sync \"%s\"", names[i], sync),
					 errhint("Map it with syncbridge.map_field() to accept pulled values.")));
		}
		if (mapped->direction == FIELD_PUSH_ONLY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" is push_only in sync \"%s\"", names[i], sync),
					 errhint("Pulled values are accepted only for fields mapped 'both' or 'pull_only'.")));
		BindColumn(def, sync, names[i], &value, &columns[count++]);
	}
	return count;
}

/* "k1 = $1 AND k2 = $2" for the key columns. */
static void
AppendKeyCondition(StringInfo sql, BoundColumn *columns, int nkeys)
{
	for (int i = 0; i < nkeys; i++)
		appendStringInfo(sql, "%s%s = $%d", i ? " AND " : "",
						 quote_identifier(columns[i].name), i + 1);
}

/* SQL of a statement over the given columns (the first nkeys are the key). */
static char *
BuildStatement(const char *relation, StatementKind kind, BoundColumn *columns, int ncolumns,
			   int nkeys)
{
	StringInfoData sql;

	initStringInfo(&sql);
	if (kind == STATEMENT_DELETE)
	{
		appendStringInfo(&sql, "DELETE FROM %s WHERE ", relation);
		AppendKeyCondition(&sql, columns, nkeys);
		return sql.data;
	}
	if (kind == STATEMENT_UPDATE)
	{
		appendStringInfo(&sql, "UPDATE %s SET ", relation);
		for (int i = nkeys; i < ncolumns; i++)
			appendStringInfo(&sql, "%s%s = $%d", i > nkeys ? ", " : "",
							 quote_identifier(columns[i].name), i + 1);
		appendStringInfoString(&sql, " WHERE ");
		AppendKeyCondition(&sql, columns, nkeys);
		return sql.data;
	}
	appendStringInfo(&sql, "INSERT INTO %s (", relation);
	for (int i = 0; i < ncolumns; i++)
		appendStringInfo(&sql, "%s%s", i ? ", " : "", quote_identifier(columns[i].name));
	appendStringInfoString(&sql, ") VALUES (");
	for (int i = 0; i < ncolumns; i++)
		appendStringInfo(&sql, "%s$%d", i ? ", " : "", i + 1);
	appendStringInfoString(&sql, ") ON CONFLICT (");
	for (int i = 0; i < nkeys; i++)
		appendStringInfo(&sql, "%s%s", i ? ", " : "", quote_identifier(columns[i].name));
	if (ncolumns == nkeys)
		appendStringInfoString(&sql, ") DO NOTHING RETURNING true");
	else
	{
		appendStringInfoString(&sql, ") DO UPDATE SET ");
		for (int i = nkeys; i < ncolumns; i++)
			appendStringInfo(&sql, "%s%s = EXCLUDED.%s", i > nkeys ? ", " : "",
							 quote_identifier(columns[i].name), quote_identifier(columns[i].name));
		/* A row version made by this statement has xmax 0 only if inserted. */
		appendStringInfoString(&sql, " RETURNING (xmax = 0)");
	}
	return sql.data;
}

/* The cached plan for this statement shape, prepared on first use. */
static SPIPlanPtr
GetPlan(SyncDef *def, StatementKind kind, BoundColumn *columns, int ncolumns, int nkeys)
{
	const char *relation = def->relation;
	StringInfoData key;
	PlanEntry  *entry;
	bool		found;
	Oid		   *argtypes;
	SPIPlanPtr	plan;
	char	   *key_copy;

	initStringInfo(&key);
	appendStringInfo(&key, "%u|%zu:%s|%d|%d", def->relid, strlen(relation), relation, (int) kind, nkeys);
	for (int i = 0; i < ncolumns; i++)
		appendStringInfo(&key, "|%zu:%s:%u:%d", strlen(columns[i].name), columns[i].name,
						 columns[i].typid, columns[i].typmod);

	EnsurePlanCache();
	entry = hash_search(PlanCache, &key.data, HASH_FIND, NULL);
	if (entry)
		return entry->plan;

	argtypes = palloc(sizeof(Oid) * ncolumns);
	for (int i = 0; i < ncolumns; i++)
		argtypes[i] = columns[i].typid;
	plan = SPI_prepare(BuildStatement(relation, kind, columns, ncolumns, nkeys), ncolumns, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (hash_get_num_entries(PlanCache) >= SYNCBRIDGE_MAX_CACHED_PLANS)
	{
		ForgetPlans();
		EnsurePlanCache();
	}
	SPI_keepplan(plan);
	key_copy = MemoryContextStrdup(ApplyPlanContext, key.data);
	entry = hash_search(PlanCache, &key_copy, HASH_ENTER, &found);
	entry->key = key_copy;
	entry->plan = plan;
	return plan;
}

/*
 * Execute a cached plan as the calling role. A refusal for want of
 * privileges (table grants or row-level security) gets a hint naming the
 * role and the table: the fix is a GRANT by the table's owner. A row that
 * breaks one of the table's constraints gets a hint that the fix lies on
 * the remote side.
 */
pg_noinline static int
ExecutePlan(SyncDef *def, SPIPlanPtr plan, Datum *values, const char *nulls)
{
	MemoryContext caller_context = CurrentMemoryContext;
	int			rc = 0;

	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller_context);
		edata = CopyErrorData();
		if (edata->hint != NULL ||
			(edata->sqlerrcode != ERRCODE_INSUFFICIENT_PRIVILEGE &&
			 ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION))
		{
			FreeErrorData(edata);
			PG_RE_THROW();
		}
		FlushErrorState();
		if (edata->sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE)
			edata->hint = psprintf("apply_remote writes as the calling role %s: the owner of %s must grant it "
								   "SELECT, INSERT, UPDATE and DELETE, and row-level security must allow the row.",
								   quote_identifier(GetUserNameFromId(GetUserId(), false)), def->relation);
		else
			edata->hint = psprintf("The pulled row breaks a constraint of %s; correct it on the remote side, "
								   "or change the constraint or the field's mapping.", def->relation);
		ReThrowError(edata);
	}
	PG_END_TRY();
	return rc;
}

/* Called by the catalog trigger: cached definitions are stale. */
Datum
syncbridge_definitions_changed(PG_FUNCTION_ARGS)
{
	DefinitionGeneration++;
	PG_RETURN_VOID();
}

static ApplyOp
ParseOp(text *op_text)
{
	char	   *op = text_to_cstring(op_text);

	if (strcmp(op, "insert") == 0)
		return APPLY_INSERT;
	if (strcmp(op, "update") == 0)
		return APPLY_UPDATE;
	if (strcmp(op, "delete") == 0)
		return APPLY_DELETE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid apply_remote operation \"%s\"", op),
			 errhint("Use 'insert', 'update' (both upsert by key) or 'delete'.")));
	pg_unreachable();
}

/*
 * apply_remote(sync, op, row_key, fields) → 'inserted' | 'updated' |
 * 'unchanged' | 'deleted' | 'absent'.
 */
Datum
syncbridge_apply_remote(PG_FUNCTION_ARGS)
{
	text	   *sync_name;
	char	   *sync;
	ApplyOp		op;
	Jsonb	   *row_key;
	Jsonb	   *fields;
	SyncDef    *def;
	BoundColumn *columns;
	int			nkeys;
	int			ncolumns;
	Datum	   *values;
	char	   *nulls;
	SPIPlanPtr	plan;
	int			rc;
	const char *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null",
						PG_ARGISNULL(0) ? "sync" : PG_ARGISNULL(1) ? "op" : "row_key"),
				 errhint("Call syncbridge.apply_remote(sync, op, row_key, fields).")));
	sync_name = PG_GETARG_TEXT_PP(0);
	sync = text_to_cstring(sync_name);
	op = ParseOp(PG_GETARG_TEXT_PP(1));
	row_key = PG_GETARG_JSONB_P(2);
	fields = PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	def = GetSyncDef(sync_name);
	if (strcmp(def->direction, "push") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("sync \"%s\" is push-only", sync),
				 errhint("Pulled data is applied only for direction 'pull' or 'both': syncbridge.alter_sync('%s', direction => 'both').", sync)));
	if (def->relation == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the table of sync \"%s\" no longer exists", sync),
				 errhint("Drop the sync with syncbridge.drop_sync('%s').", sync)));

	columns = palloc0(sizeof(BoundColumn) *
					  (def->nkeys + (fields ? JB_ROOT_COUNT(fields) : 0) + 1));
	nkeys = BindKey(def, sync, row_key, columns);
	ncolumns = nkeys;
	if (op == APPLY_DELETE)
	{
		if (fields && !(JB_ROOT_IS_OBJECT(fields) && JB_ROOT_COUNT(fields) == 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a delete takes no fields"),
					 errhint("Pass only the row key, or '{}' as fields.")));
	}
	else if (fields)
		ncolumns += BindFields(def, sync, row_key, fields, columns + nkeys);
	if (ncolumns > SYNCBRIDGE_MAX_COLUMNS)
		elog(ERROR, "too many columns");

	values = palloc(sizeof(Datum) * ncolumns);
	nulls = palloc(ncolumns + 1);
	for (int i = 0; i < ncolumns; i++)
	{
		values[i] = columns[i].value;
		nulls[i] = columns[i].isnull ? 'n' : ' ';
	}
	nulls[ncolumns] = '\0';

	if (op == APPLY_DELETE)
	{
		plan = GetPlan(def, STATEMENT_DELETE, columns, ncolumns, nkeys);
		rc = ExecutePlan(def, plan, values, nulls);
		if (rc != SPI_OK_DELETE)
			elog(ERROR, "apply_remote delete failed: %s", SPI_result_code_string(rc));
		result = SPI_processed > 0 ? "deleted" : "absent";
	}
	else if (op == APPLY_UPDATE && ncolumns > nkeys &&
			 (rc = ExecutePlan(def, GetPlan(def, STATEMENT_UPDATE, columns, ncolumns, nkeys),
							   values, nulls)) == SPI_OK_UPDATE &&
			 SPI_processed > 0)
		result = "updated";
	else
	{
		bool		isnull;

		plan = GetPlan(def, STATEMENT_UPSERT, columns, ncolumns, nkeys);
		rc = ExecutePlan(def, plan, values, nulls);
		if (rc != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "apply_remote upsert failed: %s", SPI_result_code_string(rc));
		if (SPI_processed == 0)
			result = "unchanged";
		else
			result = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull))
				? "inserted" : "updated";
	}
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(result));
}
