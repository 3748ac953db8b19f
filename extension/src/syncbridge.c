/*
 * syncbridge.c
 *	  Module entry point: each native concern initialises itself here.
 */
#include "postgres.h"

#include "fmgr.h"

#include "syncbridge.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Initialise libsodium once per backend. */
void
_PG_init(void)
{
	SecretInit();
}
