/*
 * fail.c
 *	  syncbridge._fail(sqlstate, message, hint, detail): the one way the SQL
 *	  API refuses input.
 *
 * Raised from C rather than PL/pgSQL so the error a DBA sees is the message
 * and hint alone: the validator call chain (which function called which
 * helper at which line) says nothing to the user and would bury the hint.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(syncbridge_fail);

Datum
syncbridge_fail(PG_FUNCTION_ARGS)
{
	char	   *sqlstate;
	char	   *message;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		elog(ERROR, "syncbridge._fail needs a sqlstate and a message");
	sqlstate = text_to_cstring(PG_GETARG_TEXT_PP(0));
	message = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strlen(sqlstate) != 5)
		elog(ERROR, "invalid sqlstate \"%s\"", sqlstate);

	/*
	 * Drop the context callbacks of the callers; whoever catches this error
	 * restores error_context_stack, as every PG_CATCH and the top-level
	 * error recovery do.
	 */
	error_context_stack = NULL;
	ereport(ERROR,
			(errcode(MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4])),
			 errmsg_internal("%s", message),
			 PG_ARGISNULL(3) ? 0 : errdetail_internal("%s", text_to_cstring(PG_GETARG_TEXT_PP(3))),
			 PG_ARGISNULL(2) ? 0 : errhint("%s", text_to_cstring(PG_GETARG_TEXT_PP(2)))));
	PG_RETURN_VOID();
}
