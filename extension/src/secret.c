/*
 * secret.c
 *	  Sealing secrets to the sidecar's public key (libsodium sealed boxes).
 *
 * The plaintext must never reach a table, a log line or an error message.
 * Every error raised while set_secret runs is re-thrown with the statement
 * hidden from the server log (the statement text holds the plaintext).
 */
#include "postgres.h"

#include <sodium.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "syncbridge.h"

/* A secret is a token or password, not a document. */
#define SYNCBRIDGE_SECRET_MAX_BYTES (64 * 1024)

PG_FUNCTION_INFO_V1(syncbridge_set_secret);
PG_FUNCTION_INFO_V1(syncbridge_usable_public_key);

/* Initialise libsodium; it is safe to call more than once. */
void
SecretInit(void)
{
	if (sodium_init() < 0)
		elog(ERROR, "could not initialise libsodium");
}

/* Seal a message to a public key; false when the key is unusable. */
static bool
SecretSeal(const unsigned char *public_key, const unsigned char *message,
		   size_t message_len, bytea **sealed_out)
{
	bytea	   *sealed = palloc(VARHDRSZ + message_len + crypto_box_SEALBYTES);

	if (crypto_box_seal((unsigned char *) VARDATA(sealed), message, message_len,
						public_key) != 0)
	{
		pfree(sealed);
		return false;
	}
	SET_VARSIZE(sealed, VARHDRSZ + message_len + crypto_box_SEALBYTES);
	*sealed_out = sealed;
	return true;
}

/*
 * Can crypto_box_seal use this key? Low-order points (e.g. all zeroes) make
 * the key exchange fail, so a trial seal answers exactly.
 */
Datum
syncbridge_usable_public_key(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);
	const unsigned char probe = 0;
	bytea	   *sealed;

	if (VARSIZE_ANY_EXHDR(key) != crypto_box_PUBLICKEYBYTES)
		PG_RETURN_BOOL(false);
	if (!SecretSeal((const unsigned char *) VARDATA_ANY(key), &probe, 1, &sealed))
		PG_RETURN_BOOL(false);
	pfree(sealed);
	PG_RETURN_BOOL(true);
}

/* Look up the connection and check the secret's name (raises on error). */
static int32
SecretSlot(text *connection, text *name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {PointerGetDatum(connection), PointerGetDatum(name)};
	bool		isnull;
	Datum		id;

	if (SPI_execute_with_args("SELECT syncbridge._secret_slot($1, $2)", 2,
							  argtypes, values, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not look up the connection of a secret");
	id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return DatumGetInt32(id);
}

/* The active sidecar key: its id and a palloc'd copy of the 32 bytes. */
static int32
SecretActiveKey(unsigned char *public_key)
{
	bool		isnull;
	bytea	   *key;
	int32		key_id;

	if (SPI_execute("SELECT key_id, public_key FROM syncbridge.sidecar_key WHERE active",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the sidecar key");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no sidecar key is registered"),
				 errhint("Run \"syncbridged keygen --out FILE\" and register the public key it prints with syncbridge.register_sidecar_key().")));
	key_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	key = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (VARSIZE_ANY_EXHDR(key) != crypto_box_PUBLICKEYBYTES)
		elog(ERROR, "sidecar key %d has the wrong length", key_id);
	memcpy(public_key, VARDATA_ANY(key), crypto_box_PUBLICKEYBYTES);
	return key_id;
}

static void
SecretStore(int32 connection_id, text *name, bytea *sealed, int32 key_id)
{
	Oid			argtypes[4] = {INT4OID, TEXTOID, BYTEAOID, INT4OID};
	Datum		values[4] = {Int32GetDatum(connection_id), PointerGetDatum(name),
	PointerGetDatum(sealed), Int32GetDatum(key_id)};

	if (SPI_execute_with_args("INSERT INTO syncbridge.secret (connection_id, name, sealed, key_id) "
							  "VALUES ($1, $2, $3, $4) "
							  "ON CONFLICT (connection_id, name) DO UPDATE "
							  "SET sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id, updated_at = now()",
							  4, argtypes, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not store a sealed secret");
}

/* Kept out of line: its locals must not live in the PG_TRY frame. */
pg_noinline static void
SecretSet(FunctionCallInfo fcinfo)
{
	text	   *connection;
	text	   *name;
	text	   *value;
	unsigned char public_key[crypto_box_PUBLICKEYBYTES];
	int32		connection_id;
	int32		key_id;
	bytea	   *sealed;
	bool		sealed_ok;
	const char *auto_explain;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null",
						PG_ARGISNULL(0) ? "connection" : PG_ARGISNULL(1) ? "name" : "value"),
				 errhint("Call syncbridge.set_secret(connection, name, value).")));
	/*
	 * Settings under which the server writes every statement, this one and
	 * its plaintext included, to its log: log_statement = all has already
	 * done so; the others would once the call succeeds (duration lines are
	 * written only for statements that complete). Refuse, so that nobody
	 * believes a logged secret is safe.
	 */
	if (log_statement == LOGSTMT_ALL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("log_statement = all has written this call, with the secret, to the server log"),
				 errhint("Treat the value as exposed: rotate it, then set the new one in a session with "
						 "log_statement = none (SET log_statement = none as a superuser, or ALTER ROLE ... SET log_statement = none).")));
	if (log_min_duration_statement == 0 || xact_is_sampled ||
		(log_min_duration_sample == 0 && log_statement_sample_rate >= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s would write this call, with the secret, to the server log",
						log_min_duration_statement == 0 ? "log_min_duration_statement = 0"
						: xact_is_sampled ? "log_transaction_sample_rate (this transaction is sampled)"
						: "log_min_duration_sample = 0"),
				 errhint("Set the secret in a session with log_min_duration_statement = -1, log_min_duration_sample = -1 "
						 "and log_transaction_sample_rate = 0 (SET as a superuser, or ALTER ROLE ... SET).")));
	auto_explain = GetConfigOption("auto_explain.log_min_duration", true, false);
	if (auto_explain != NULL && strcmp(auto_explain, "0") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("auto_explain.log_min_duration = 0 would write this call, with the secret, to the server log"),
				 errhint("Set the secret in a session with auto_explain.log_min_duration = -1.")));
	connection = PG_GETARG_TEXT_PP(0);
	name = PG_GETARG_TEXT_PP(1);
	value = PG_GETARG_TEXT_PP(2);
	if (VARSIZE_ANY_EXHDR(value) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a secret must not be empty"),
				 errhint("Pass the secret's value as the third argument.")));
	if (VARSIZE_ANY_EXHDR(value) > SYNCBRIDGE_SECRET_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a secret may have at most %d bytes", SYNCBRIDGE_SECRET_MAX_BYTES),
				 errhint("Secrets are tokens and passwords; store documents elsewhere.")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	connection_id = SecretSlot(connection, name);
	key_id = SecretActiveKey(public_key);
	sealed_ok = SecretSeal(public_key, (const unsigned char *) VARDATA_ANY(value),
						   VARSIZE_ANY_EXHDR(value), &sealed);
	/* The detoasted copy is ours to scrub; the caller's datum is not. */
	if ((Pointer) value != DatumGetPointer(PG_GETARG_DATUM(2)))
		sodium_memzero(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
	if (!sealed_ok)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the registered sidecar key cannot seal secrets"),
				 errhint("Register a key generated by \"syncbridged keygen\".")));
	SecretStore(connection_id, name, sealed, key_id);
	SPI_finish();
}

/*
 * set_secret(connection, name, value): seal value to the active sidecar key
 * and store it. Any error is re-thrown without the statement (which holds the
 * plaintext) so log_min_error_statement cannot write it to the server log.
 */
Datum
syncbridge_set_secret(PG_FUNCTION_ARGS)
{
	MemoryContext caller_context = CurrentMemoryContext;

	PG_TRY();
	{
		SecretSet(fcinfo);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller_context);
		edata = CopyErrorData();
		FlushErrorState();
		edata->hide_stmt = true;
		ReThrowError(edata);
	}
	PG_END_TRY();
	PG_RETURN_VOID();
}
