/*
 * json_datum.c
 *	  Converting JSON values to column values through the column type's own
 *	  input function, so every type (domains, enums, varchar(n), numeric(p,s),
 *	  arrays) is checked exactly as an INSERT of its text form would be.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "syncbridge.h"

/* JSON text of any JSON value (scalar or container). */
static char *
JsonValueToJsonText(JsonbValue *value)
{
	if (value->type == jbvBinary)
		return JsonbToCString(NULL, value->val.binary.data, value->val.binary.len);
	return JsonbToCString(NULL, &JsonbValueToJsonb(value)->root, 0);
}

/* Text form of a JSON scalar as the type input functions expect it. */
char *
JsonValueToText(JsonbValue *value)
{
	switch (value->type)
	{
		case jbvString:
			return pnstrdup(value->val.string.val, value->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(value->val.numeric)));
		case jbvBool:
			return pstrdup(value->val.boolean ? "true" : "false");
		default:
			return JsonValueToJsonText(value);
	}
}

static bool
TypeIsJson(Oid typid)
{
	Oid			base = getBaseType(typid);

	return base == JSONOID || base == JSONBOID;
}

/* Append one array element in array_in's quoted syntax. */
static void
AppendQuotedElement(StringInfo out, const char *text)
{
	appendStringInfoChar(out, '"');
	for (const char *p = text; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			appendStringInfoChar(out, '\\');
		appendStringInfoChar(out, *p);
	}
	appendStringInfoChar(out, '"');
}

/*
 * Render a JSON array as an array literal ({…}) for an array of element_type;
 * nested JSON arrays become nested dimensions.
 */
static void
AppendArrayLiteral(StringInfo out, JsonbContainer *array, Oid element_type, bool element_is_json)
{
	JsonbIterator *it = JsonbIteratorInit(array);
	JsonbValue	v;
	JsonbIteratorToken token;
	bool		first = true;

	appendStringInfoChar(out, '{');
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (token != WJB_ELEM)
			continue;
		if (!first)
			appendStringInfoChar(out, ',');
		first = false;
		if (v.type == jbvNull)
			appendStringInfoString(out, "NULL");
		else if (v.type == jbvBinary && JsonContainerIsArray(v.val.binary.data) &&
				 !element_is_json)
			AppendArrayLiteral(out, v.val.binary.data, element_type, element_is_json);
		else if (v.type == jbvBinary && !element_is_json)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("cannot convert a JSON object to an element of type %s",
							format_type_be(element_type)),
					 errhint("Array elements must be strings, numbers, booleans, null or nested arrays.")));
		else
			AppendQuotedElement(out, element_is_json ? JsonValueToJsonText(&v)
								: JsonValueToText(&v));
	}
	appendStringInfoChar(out, '}');
}

/* Look up the input function and JSON/array traits of a column type. */
void
ColumnTypeInit(ColumnType *type, Oid typid, int32 typmod, MemoryContext context)
{
	Oid			typinput;

	type->typid = typid;
	type->typmod = typmod;
	getTypeInputInfo(typid, &typinput, &type->typioparam);
	fmgr_info_cxt(typinput, &type->input, context);
	type->is_json = TypeIsJson(typid);
	type->element_type = get_element_type(getBaseType(typid));
	type->element_is_json = OidIsValid(type->element_type) && TypeIsJson(type->element_type);
}

/*
 * Convert a JSON value to a Datum of the column type. JSON null is SQL NULL;
 * json/jsonb columns take any JSON value as itself; array columns take JSON
 * arrays; everything else takes scalars through the type's input function.
 */
Datum
JsonValueToDatum(JsonbValue *value, ColumnType *type, bool *isnull)
{
	char	   *text;

	*isnull = false;
	if (value->type == jbvNull)
	{
		*isnull = true;
		/* Domains may forbid NULL: let the input function decide. */
		return InputFunctionCall(&type->input, NULL, type->typioparam, type->typmod);
	}
	if (type->is_json)
		text = JsonValueToJsonText(value);
	else if (value->type == jbvBinary && JsonContainerIsArray(value->val.binary.data) &&
			 OidIsValid(type->element_type))
	{
		StringInfoData buf;

		initStringInfo(&buf);
		AppendArrayLiteral(&buf, value->val.binary.data, type->element_type, type->element_is_json);
		text = buf.data;
	}
	else if (value->type == jbvBinary)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cannot convert a JSON %s to type %s",
						JsonContainerIsArray(value->val.binary.data) ? "array" : "object",
						format_type_with_typemod(type->typid, type->typmod)),
				 errhint("Only json, jsonb and array columns take JSON objects or arrays.")));
	else
		text = JsonValueToText(value);

	return InputFunctionCall(&type->input, text, type->typioparam, type->typmod);
}
