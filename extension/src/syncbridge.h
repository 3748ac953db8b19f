/*
 * syncbridge.h
 *	  Declarations shared by the extension's C modules.
 */
#ifndef SYNCBRIDGE_H
#define SYNCBRIDGE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"

/* secret.c */
extern void SecretInit(void);

/* json_datum.c */

/* What converting JSON to one column's type needs, looked up once. */
typedef struct ColumnType
{
	Oid			typid;
	int32		typmod;
	Oid			typioparam;
	FmgrInfo	input;			/* the type's input function */
	bool		is_json;		/* json or jsonb (or a domain over them) */
	Oid			element_type;	/* for arrays, else InvalidOid */
	bool		element_is_json;
} ColumnType;

extern void ColumnTypeInit(ColumnType *type, Oid typid, int32 typmod, MemoryContext context);
extern Datum JsonValueToDatum(JsonbValue *value, ColumnType *type, bool *isnull);
extern char *JsonValueToText(JsonbValue *value);

#endif							/* SYNCBRIDGE_H */
