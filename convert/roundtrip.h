/* Round trips of one session through other formats, judged against the
 * expected-loss table (tests/fidelity-expected.tsv, embedded). */
#ifndef RS_ROUNDTRIP_H
#define RS_ROUNDTRIP_H

#include "cli.h"
#include "../schema/fidelity.h"

typedef enum rs_route_status { RS_ROUTE_PASS, RS_ROUTE_EXPECTED, RS_ROUTE_FAIL, RS_ROUTE_ERROR } rs_route_status;

typedef struct rs_route {
	const rs_format *via;
	rs_route_status status;
	size_t diff[RS_ASPECT_COUNT];       /* items that differ */
	const char *why[RS_ASPECT_COUNT];  /* expected-loss reason, NULL = unexpected */
	char error[1024];                   /* RS_ROUTE_ERROR: the export or import error */
} rs_route;

/* Loads the expected-loss table (the embedded one when path is NULL). */
int rs_expected_load(const char *path, rs_err *err);
void rs_expected_free(void);
/* The reason a trip through fmt may lose aspect a, or NULL. */
const char *rs_expected_loss(const rs_format *fmt, rs_aspect a);

/* Exports s through via into tmpdir and imports it back; fills r. With
 * native, the session rustscope embeds in what it writes is ignored on the
 * way back, so the route shows what the format itself carries; the expected
 * losses apply only then (with the embedding nothing may be lost). */
void rs_route_run(const rs_session *s, const rs_facts *before, const rs_format *via, const char *tmpdir,
		  bool native, rs_route *r);
const char *rs_route_status_name(rs_route_status st);

#endif
