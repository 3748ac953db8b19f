/*
 * cron.c
 *	  Cron schedules for syncbridge jobs: parsing (with errors that point at
 *	  the bad field) and the next fire time after a given instant, in UTC.
 *
 * Five fields: minute hour day-of-month month day-of-week, each "*", a
 * number or name, a range "a-b", a step "*\/n", "a-b/n" or "a/n", or a
 * comma-separated list of those; or one of @yearly @annually @monthly
 * @weekly @daily @midnight @hourly. Day-of-week 0 and 7 are Sunday. As in
 * Vixie cron, when both day fields are restricted a day matches if either
 * does.
 */
#include "postgres.h"

#include <ctype.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

/* Search horizon: a schedule that cannot fire within it never fires. */
#define SYNCBRIDGE_CRON_HORIZON_YEARS 5

PG_FUNCTION_INFO_V1(syncbridge_cron_next);

typedef struct CronField
{
	const char *name;
	int			min;
	int			max;
	const char *const *names;	/* names for min, min+1, ... or NULL */
} CronField;

typedef struct CronSchedule
{
	bool		minute[60];
	bool		hour[24];
	bool		dom[32];		/* 1..31 */
	bool		month[13];		/* 1..12 */
	bool		dow[8];			/* 0..7, 7 folded into 0 */
	bool		dom_restricted;
	bool		dow_restricted;
} CronSchedule;

static const char *const MonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const DayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const CronField Fields[5] = {
	{"minute", 0, 59, NULL},
	{"hour", 0, 23, NULL},
	{"day of month", 1, 31, NULL},
	{"month", 1, 12, MonthNames},
	{"day of week", 0, 7, DayNames},
};

static void CronError(const char *schedule, const char *detail) pg_attribute_noreturn();

static void
CronError(const char *schedule, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid cron schedule \"%s\"", schedule),
			 errdetail("%s", detail),
			 errhint("Use five fields (minute hour day-of-month month day-of-week), e.g. \"*/15 * * * *\", or @hourly, @daily, @weekly, @monthly, @yearly.")));
}

/* A number or (for months and weekdays) a three-letter name. */
static int
CronParseValue(const char *schedule, const CronField *field, const char **p)
{
	const char *s = *p;

	if (isdigit((unsigned char) *s))
	{
		int			value = 0;

		while (isdigit((unsigned char) *s) && value < 1000)
			value = value * 10 + (*s++ - '0');
		*p = s;
		if (value < field->min || value > field->max)
			CronError(schedule, psprintf("%s value %d is outside %d-%d",
										 field->name, value, field->min, field->max));
		return value;
	}
	if (field->names && isalpha((unsigned char) s[0]) && isalpha((unsigned char) s[1]) &&
		isalpha((unsigned char) s[2]))
	{
		for (int i = 0; field->names[i]; i++)
			if (pg_strncasecmp(s, field->names[i], 3) == 0)
			{
				*p = s + 3;
				return field->min + i;
			}
	}
	CronError(schedule, psprintf("cannot read the %s field at \"%s\"", field->name, s));
}

/* One field ("*", list of ranges and steps) into its match table. */
static void
CronParseField(const char *schedule, const CronField *field, const char *text, bool *match,
			   bool *restricted)
{
	const char *p = text;

	*restricted = !(text[0] == '*' && text[1] == '\0');
	for (;;)
	{
		int			low;
		int			high;
		int			step = 1;

		if (*p == '*')
		{
			low = field->min;
			high = field->max;
			p++;
		}
		else
		{
			low = high = CronParseValue(schedule, field, &p);
			if (*p == '-')
			{
				p++;
				high = CronParseValue(schedule, field, &p);
				if (high < low)
					CronError(schedule, psprintf("%s range %d-%d runs backwards",
												 field->name, low, high));
			}
			else if (*p == '/')
				high = field->max;
		}
		if (*p == '/')
		{
			p++;
			if (!isdigit((unsigned char) *p))
				CronError(schedule, psprintf("%s step needs a number", field->name));
			step = 0;
			while (isdigit((unsigned char) *p) && step < 1000)
				step = step * 10 + (*p++ - '0');
			if (step == 0)
				CronError(schedule, psprintf("%s step must be at least 1", field->name));
		}
		for (int v = low; v <= high; v += step)
			match[v] = true;
		if (*p == '\0')
			return;
		if (*p != ',')
			CronError(schedule, psprintf("unexpected \"%c\" in the %s field", *p, field->name));
		p++;
	}
}

static const char *
CronExpandMacro(const char *schedule)
{
	if (strcmp(schedule, "@yearly") == 0 || strcmp(schedule, "@annually") == 0)
		return "0 0 1 1 *";
	if (strcmp(schedule, "@monthly") == 0)
		return "0 0 1 * *";
	if (strcmp(schedule, "@weekly") == 0)
		return "0 0 * * 0";
	if (strcmp(schedule, "@daily") == 0 || strcmp(schedule, "@midnight") == 0)
		return "0 0 * * *";
	if (strcmp(schedule, "@hourly") == 0)
		return "0 * * * *";
	if (schedule[0] == '@')
		CronError(schedule, "unknown macro");
	return schedule;
}

static void
CronParse(const char *schedule, CronSchedule *out)
{
	char	   *copy = pstrdup(CronExpandMacro(schedule));
	char	   *fields[5];
	int			nfields = 0;
	bool		restricted;
	char	   *save = NULL;

	memset(out, 0, sizeof(*out));
	for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
	{
		if (nfields == 5)
			CronError(schedule, "more than five fields");
		fields[nfields++] = tok;
	}
	if (nfields != 5)
		CronError(schedule, psprintf("%d field(s); five are needed", nfields));
	CronParseField(schedule, &Fields[0], fields[0], out->minute, &restricted);
	CronParseField(schedule, &Fields[1], fields[1], out->hour, &restricted);
	CronParseField(schedule, &Fields[2], fields[2], out->dom, &out->dom_restricted);
	CronParseField(schedule, &Fields[3], fields[3], out->month, &restricted);
	CronParseField(schedule, &Fields[4], fields[4], out->dow, &out->dow_restricted);
	if (out->dow[7])
		out->dow[0] = true;
}

static int
DaysInMonth(int year, int month)
{
	return day_tab[isleap(year)][month - 1];
}

static bool
CronDayMatches(const CronSchedule *cron, int year, int month, int day)
{
	int			dow = j2day(date2j(year, month, day));
	bool		dom_ok = cron->dom[day];
	bool		dow_ok = cron->dow[dow];

	if (cron->dom_restricted && cron->dow_restricted)
		return dom_ok || dow_ok;
	return dom_ok && dow_ok;
}

/*
 * The first minute strictly after `after` that the schedule matches, UTC.
 * Walks months, then days, then hours, then minutes, so the search is a
 * few hundred steps at most per year of horizon.
 */
static TimestampTz
CronNext(const char *schedule, const CronSchedule *cron, TimestampTz after)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			horizon_year;
	TimestampTz result;

	if (timestamp2tm(after, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range"),
				 errhint("Pass a time between 4713 BC and 294276 AD.")));
	/* Next whole minute. */
	tm.tm_sec = 0;
	tm.tm_min++;
	horizon_year = tm.tm_year + SYNCBRIDGE_CRON_HORIZON_YEARS;
	for (;;)
	{
		/* Normalise carries left by the increments below. */
		if (tm.tm_min > 59)
		{
			tm.tm_min = 0;
			tm.tm_hour++;
		}
		if (tm.tm_hour > 23)
		{
			tm.tm_hour = 0;
			tm.tm_mday++;
		}
		if (tm.tm_mday > DaysInMonth(tm.tm_year, tm.tm_mon))
		{
			tm.tm_mday = 1;
			tm.tm_mon++;
		}
		if (tm.tm_mon > 12)
		{
			tm.tm_mon = 1;
			tm.tm_year++;
		}
		if (tm.tm_year > horizon_year)
			CronError(schedule, psprintf("it never fires within %d years",
										 SYNCBRIDGE_CRON_HORIZON_YEARS));
		if (!cron->month[tm.tm_mon])
		{
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = 0;
			continue;
		}
		if (!CronDayMatches(cron, tm.tm_year, tm.tm_mon, tm.tm_mday))
		{
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = 0;
			continue;
		}
		if (!cron->hour[tm.tm_hour])
		{
			tm.tm_hour++;
			tm.tm_min = 0;
			continue;
		}
		if (!cron->minute[tm.tm_min])
		{
			tm.tm_min++;
			continue;
		}
		break;
	}
	if (tm2timestamp(&tm, 0, NULL, &result) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("the next time schedule \"%s\" fires is out of range", schedule),
				 errhint("Pass an earlier time.")));
	return result;
}

/* cron_next(schedule, after) → the next fire time after `after` (UTC). */
Datum
syncbridge_cron_next(PG_FUNCTION_ARGS)
{
	char	   *schedule = text_to_cstring(PG_GETARG_TEXT_PP(0));
	TimestampTz after = PG_GETARG_TIMESTAMPTZ(1);
	CronSchedule cron;

	if (TIMESTAMP_NOT_FINITE(after))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cron_next needs a finite timestamp"),
				 errhint("Pass a time such as now(); infinity has no next minute.")));
	CronParse(schedule, &cron);
	PG_RETURN_TIMESTAMPTZ(CronNext(schedule, &cron, after));
}
