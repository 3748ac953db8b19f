/*
 * syncbridge.h
 *	  Declarations shared by the extension's C modules.
 */
#ifndef SYNCBRIDGE_H
#define SYNCBRIDGE_H

#include "postgres.h"

#include "utils/jsonb.h"

/* secret.c */
extern void SecretInit(void);

/* json_datum.c */
extern Datum JsonValueToDatum(JsonbValue *value, Oid typid, int32 typmod, bool *isnull);
extern char *JsonValueToText(JsonbValue *value);

#endif							/* SYNCBRIDGE_H */
