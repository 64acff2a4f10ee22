/* The format registry: names for --from/--to, output suffixes, sniffers,
 * importers and exporters. Adding a format is one row here. */
#include "../exporters/exporters.h"
#include "../importers/importers.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* RustScope's "--import-json": its JSON of either generation, by content. */
static int import_rustscope_json(rs_input *in, rs_session *s, rs_err *err)
{
	const unsigned char *p;
	size_t n;
	int rc = rs_input_peek(in, &p, &n, err);
	if (rc)
		return rc;
	if (!rs_sniff_session(p, n) && rs_sniff_rustscope(p, n))
		return rs_import_rustscope(in, s, err);
	return rs_import_session(in, s, err);
}

static const rs_format formats[] = {
	{"session", "rustscope-session", ".session.json .json", rs_sniff_session,
	 rs_import_session, rs_export_session, "ProfileSession JSON (schema v1)", RS_CARRY_ALL},
	{"json", "", "", NULL, import_rustscope_json, rs_export_session,
	 "RustScope JSON: session v1 (written) or a v3 report (read), by content", RS_CARRY_ALL},
	{"rustscope", "rustscope-v3", "", rs_sniff_rustscope, rs_import_rustscope, NULL,
	 "RustScope's own session JSON (schema_version 3), import only", 0},
	{"pprof", "", ".pb.gz .pprof .pb.gz", rs_sniff_pprof, rs_import_pprof, rs_export_pprof,
	 "pprof profile.proto (gzip-compressed or raw)", RS_CARRY_SAMPLES},
	{"perfscript", "perf-script perf", "", rs_sniff_perfscript, rs_import_perfscript, NULL,
	 "`perf script` text output (gzip-compressed or plain), import only", 0},
	{"speedscope", "", ".speedscope.json", rs_sniff_speedscope, rs_import_speedscope,
	 rs_export_speedscope, "speedscope JSON (file-format-schema), sampled and evented profiles",
	 RS_CARRY_SAMPLES | RS_CARRY_INTERVALS},
	{"collapsed", "folded", ".collapsedstack.txt .collapsed .folded", rs_sniff_collapsed,
	 rs_import_collapsed, rs_export_collapsed, "folded stacks (flamegraph.pl / inferno / speedscope)", RS_CARRY_SAMPLES},
	{"chrome", "trace chrome-trace", ".trace.json.gz .trace.json .chrome.json.gz", rs_sniff_chrome,
	 rs_import_chrome, rs_export_chrome, "Chrome Trace Event Format JSON (object or array form)",
	 RS_CARRY_SAMPLES | RS_CARRY_INTERVALS | RS_CARRY_COUNTERS | RS_CARRY_MARKERS},
	{"cpuprofile", "v8", ".cpuprofile", rs_sniff_cpuprofile, rs_import_cpuprofile,
	 rs_export_cpuprofile, "V8 / Chrome DevTools .cpuprofile", RS_CARRY_SAMPLES},
};
enum { NFORMATS = sizeof formats / sizeof *formats };

static bool word_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

size_t rs_format_count(void) { return NFORMATS; }
const rs_format *rs_format_at(size_t i) { return i < NFORMATS ? &formats[i] : NULL; }

const rs_format *rs_format_find(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(formats[i].name, name) == 0 || word_in(formats[i].aliases, name))
			return &formats[i];
	return NULL;
}

const rs_format *rs_format_for_path(const char *path)
{
	size_t n = strlen(path), best_len = 0;
	const rs_format *best = NULL;
	for (size_t i = 0; i < NFORMATS; i++) {
		const char *p = formats[i].suffixes;
		while (*p) {
			size_t len = strcspn(p, " ");
			if (formats[i].export && len <= n && len > best_len &&
			    strncmp(path + n - len, p, len) == 0) {
				best = &formats[i];
				best_len = len;
			}
			p += len + (p[len] == ' ');
		}
	}
	return best;
}

void rs_format_list(char *buf, size_t n, bool importers)
{
	size_t len = 0;
	buf[0] = 0;
	for (size_t i = 0; i < NFORMATS && len < n; i++)
		if (importers ? formats[i].import != NULL : formats[i].export != NULL)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", formats[i].name);
}


const rs_format *rs_format_detect(const unsigned char *p, size_t n)
{
	int best = 0;
	const rs_format *found = NULL;
	for (size_t i = 0; i < NFORMATS; i++) {
		int score = formats[i].sniff ? formats[i].sniff(p, n) : 0;
		if (score > best) {
			best = score;
			found = &formats[i];
		}
	}
	return found;
}

int rs_format_sniff(rs_input *in, const rs_format **out, rs_err *err)
{
	const unsigned char *p;
	size_t n;
	int rc = rs_input_peek(in, &p, &n, err);
	if (rc)
		return rc;
	if ((*out = rs_format_detect(p, n)))
		return 0;
	char list[256];
	size_t len = 0;
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i].sniff)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
						formats[i].name);
	return rs_fail(err, RS_EINPUT, "%s: not a recognized profile format (%stried by content: %s); "
		       "use --from FORMAT to force one", in->path, in->gzip ? "gzip-compressed; " : "",
		       list);
}
