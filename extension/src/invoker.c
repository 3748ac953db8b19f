/*
 * invoker.c
 *	  The role that called into syncbridge, as seen from SECURITY DEFINER
 *	  functions.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

PG_FUNCTION_INFO_V1(syncbridge_invoker);

/*
 * Inside a SECURITY DEFINER function current_user is the definer; the outer
 * user is the role in effect at the outer level (after SET ROLE), which is
 * whose ownership must be checked before acting on its tables.
 */
Datum
syncbridge_invoker(PG_FUNCTION_ARGS)
{
	PG_RETURN_OID(GetOuterUserId());
}
