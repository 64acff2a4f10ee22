/* Inputs and outputs of a batch: directories and archives (libarchive),
 * read and written as streams, with the safety rules: no absolute paths,
 * no "..", no links followed, nothing written through a symbolic link,
 * nothing overwritten without --force, archives renamed into place. */
#include "../lib/limits.h"
#include "../lib/xalloc.h"
#include "batch.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct rs_batch_source {
	struct archive *a; /* NULL: a directory */
	char *root;
	char **rel;
	char *kind; /* per file: F regular, L link, N other (FIFO, device, socket) */
	size_t n, cap, pos;
	bool broken; /* the archive stream failed; nothing more to read */
	off_t size;  /* of the archive file */
};

struct rs_batch_sink {
	struct archive *a; /* NULL: a directory */
	char *root, *tmp;
	int fd;
	bool force;
};

void rs_batch_item_free(rs_batch_item *it)
{
	free(it->rel);
	free(it->fs_path);
	free(it->data);
	free(it->out_rel);
	free(it->out_data);
	memset(it, 0, sizeof *it);
}

/* --- directory source --- */

static rs_batch_source *walking;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_F && type != FTW_SL)
		return 0;
	rs_batch_source *s = walking;
	size_t cap = s->cap;
	RS_GROW(s->rel, cap, s->n + 1);
	RS_GROW(s->kind, s->cap, s->n + 1);
	s->rel[s->n] = rs_xstrdup(path + strlen(s->root) + 1);
	/* a FIFO would block the reader forever, a device read forever */
	s->kind[s->n++] = type == FTW_SL ? 'L' : S_ISREG(st->st_mode) ? 'F' : 'N';
	return 0;
}

static int cmp_rel(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int open_dir(rs_batch_source *s, rs_err *err)
{
	walking = s; /* nftw has no context argument; sources are opened one at a time */
	if (nftw(s->root, walk_one, 32, FTW_PHYS) != 0)
		return rs_fail(err, RS_EIO, "%s: cannot read the directory: %s", s->root, strerror(errno));
	/* Sort paths and their kinds together: sort "path+kind" strings. */
	for (size_t i = 0; i < s->n; i++) {
		char *t = rs_xmalloc(strlen(s->rel[i]) + 2);
		sprintf(t, "%s%c", s->rel[i], s->kind[i]);
		free(s->rel[i]);
		s->rel[i] = t;
	}
	qsort(s->rel, s->n, sizeof *s->rel, cmp_rel);
	for (size_t i = 0; i < s->n; i++) {
		size_t len = strlen(s->rel[i]);
		s->kind[i] = s->rel[i][len - 1];
		s->rel[i][len - 1] = 0;
	}
	return 0;
}

/* --- archive source --- */

static int open_archive(rs_batch_source *s, rs_err *err)
{
	s->a = archive_read_new();
	archive_read_support_filter_all(s->a);
	archive_read_support_format_all(s->a);
	if (archive_read_open_filename(s->a, s->root, 1 << 16) != ARCHIVE_OK)
		return rs_fail(err, RS_EINPUT, "%s: not a directory or a readable archive: %s", s->root,
			       archive_error_string(s->a));
	return 0;
}

int rs_batch_source_open(rs_batch_source **out, const char *in, rs_err *err)
{
	rs_batch_source *s = rs_xcalloc(1, sizeof *s);
	s->root = rs_xstrdup(in);
	size_t n = strlen(s->root);
	while (n > 1 && s->root[n - 1] == '/')
		s->root[--n] = 0;
	struct stat st;
	int rc;
	if (stat(in, &st) != 0)
		rc = rs_fail(err, RS_EIO, "%s: %s", in, strerror(errno));
	else
		rc = S_ISDIR(st.st_mode) ? open_dir(s, err) : open_archive(s, err);
	s->size = st.st_size;
	if (rc) {
		rs_batch_source_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

double rs_batch_source_fraction(const rs_batch_source *s)
{
	if (!s->a)
		return s->n ? (double)s->pos / (double)s->n : 1.0;
	return s->size ? (double)archive_filter_bytes(s->a, -1) / (double)s->size : 0.0;
}

/* Why an archive entry's path is refused, or NULL. */
static const char *unsafe_path(const char *p)
{
	if (p[0] == '/')
		return "absolute path refused";
	for (const char *c = p; *c; c += strcspn(c, "/"), c += *c == '/')
		if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == 0))
			return "path with \"..\" refused";
	return NULL;
}

static int read_entry(rs_batch_source *s, struct archive_entry *e, rs_batch_item *it)
{
	int64_t size = archive_entry_size(e);
	if (size < 0 || (uint64_t)size > rs_limits_cur.max_input_bytes) {
		it->status = RS_B_FAILED;
		snprintf(it->error, sizeof it->error, "entry of %lld bytes exceeds --max-input-bytes",
			 (long long)size);
		return archive_read_data_skip(s->a) == ARCHIVE_OK ? 0 : -1;
	}
	it->data = rs_xmalloc((size_t)size + 1);
	la_ssize_t got = archive_read_data(s->a, it->data, (size_t)size);
	if (got != size) {
		it->status = RS_B_FAILED;
		snprintf(it->error, sizeof it->error, "cannot read the entry: %s", archive_error_string(s->a));
		return -1;
	}
	it->len = (size_t)size;
	return 0;
}

static int next_archive(rs_batch_source *s, rs_batch_item *it, bool *more)
{
	struct archive_entry *e;
	for (;;) {
		int r = s->broken ? ARCHIVE_EOF : archive_read_next_header(s->a, &e);
		if (r == ARCHIVE_EOF) {
			*more = false;
			return 0;
		}
		if (r < ARCHIVE_WARN) { /* a corrupt stream: report it as one failed item, then stop */
			s->broken = true;
			it->rel = rs_xstrdup(s->root);
			it->status = RS_B_FAILED;
			snprintf(it->error, sizeof it->error, "archive is corrupt: %s", archive_error_string(s->a));
			return 0;
		}
		const char *path = archive_entry_pathname(e);
		mode_t type = archive_entry_filetype(e);
		if (!path || (type == AE_IFDIR && !archive_entry_hardlink(e)))
			continue;
		while (path[0] == '.' && path[1] == '/')
			path += 2;
		it->rel = rs_xstrdup(path);
		const char *why = unsafe_path(path);
		if (!why && (type == AE_IFLNK || archive_entry_hardlink(e)))
			why = "link refused (links are not followed)";
		if (!why && type != AE_IFREG)
			why = "not a regular file";
		if (why) {
			it->status = RS_B_REFUSED;
			snprintf(it->error, sizeof it->error, "%s", why);
			return 0;
		}
		if (read_entry(s, e, it) < 0)
			s->broken = true;
		return 0;
	}
}

int rs_batch_source_next(rs_batch_source *s, rs_batch_item *it, bool *more, rs_err *err)
{
	(void)err;
	memset(it, 0, sizeof *it);
	*more = true;
	if (s->a)
		return next_archive(s, it, more);
	if (s->pos == s->n) {
		*more = false;
		return 0;
	}
	it->rel = rs_xstrdup(s->rel[s->pos]);
	if (s->kind[s->pos] != 'F') {
		it->status = RS_B_REFUSED;
		snprintf(it->error, sizeof it->error, "%s", s->kind[s->pos] == 'L'
			 ? "symbolic link refused (links are not followed)" : "not a regular file");
	} else {
		it->fs_path = rs_xmalloc(strlen(s->root) + strlen(it->rel) + 2);
		sprintf(it->fs_path, "%s/%s", s->root, it->rel);
	}
	s->pos++;
	return 0;
}

void rs_batch_source_close(rs_batch_source *s)
{
	if (!s)
		return;
	if (s->a)
		archive_read_free(s->a);
	for (size_t i = 0; i < s->n; i++)
		free(s->rel[i]);
	free(s->rel);
	free(s->kind);
	free(s->root);
	free(s);
}

/* --- sinks --- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Output archive kinds by name: a tar (pax) with a compression filter, or zip. */
static const struct { const char *ext; int filter; bool zip; } archive_kinds[] = {
	{".tar", ARCHIVE_FILTER_NONE, false}, {".tar.gz", ARCHIVE_FILTER_GZIP, false},
	{".tgz", ARCHIVE_FILTER_GZIP, false}, {".tar.zst", ARCHIVE_FILTER_ZSTD, false},
	{".tar.xz", ARCHIVE_FILTER_XZ, false}, {".zip", ARCHIVE_FILTER_NONE, true},
};

static int archive_kind(const char *out)
{
	for (size_t i = 0; i < sizeof archive_kinds / sizeof *archive_kinds; i++)
		if (ends_with(out, archive_kinds[i].ext))
			return (int)i;
	return -1;
}

static bool archive_name(const char *out) { return archive_kind(out) >= 0; }

static int set_archive_kind(struct archive *a, const char *out)
{
	int k = archive_kind(out);
	int r = archive_kinds[k].zip ? archive_write_set_format_zip(a) : archive_write_set_format_pax_restricted(a);
	if (r == ARCHIVE_OK)
		r = archive_write_add_filter(a, archive_kinds[k].filter);
	/* Members are mostly compressed profiles already: the archive's own
	 * compression is serial work in the writer, so keep it fast. */
	if (r == ARCHIVE_OK && archive_kinds[k].filter == ARCHIVE_FILTER_GZIP)
		r = archive_write_set_filter_option(a, "gzip", "compression-level", "1");
	return r;
}

static int open_archive_sink(rs_batch_sink *d, const char *out, rs_err *err)
{
	if (!d->force && access(out, F_OK) == 0)
		return rs_fail(err, RS_EIO, "%s: exists; use --force to replace it", out);
	d->tmp = rs_xmalloc(strlen(out) + 16);
	sprintf(d->tmp, "%s.tmp-XXXXXX", out);
	if ((d->fd = mkstemp(d->tmp)) < 0)
		return rs_fail(err, RS_EIO, "%s: cannot create: %s", out, strerror(errno));
	fchmod(d->fd, 0644);
	d->a = archive_write_new();
	if (set_archive_kind(d->a, out) != ARCHIVE_OK ||
	    archive_write_open_fd(d->a, d->fd) != ARCHIVE_OK)
		return rs_fail(err, RS_EIO, "%s: cannot write this archive: %s", out, archive_error_string(d->a));
	return 0;
}

static int open_dir_sink(const char *out, rs_err *err)
{
	struct stat st;
	if (mkdir(out, 0777) != 0 && errno != EEXIST)
		return rs_fail(err, RS_EIO, "%s: cannot create the directory: %s", out, strerror(errno));
	if (stat(out, &st) != 0 || !S_ISDIR(st.st_mode))
		return rs_fail(err, RS_EIO, "%s: exists and is not a directory", out);
	return 0;
}

int rs_batch_sink_open(rs_batch_sink **out, const char *path, bool force, rs_err *err)
{
	rs_batch_sink *d = rs_xcalloc(1, sizeof *d);
	d->root = rs_xstrdup(path);
	d->force = force;
	d->fd = -1;
	int rc = archive_name(path) ? open_archive_sink(d, path, err) : open_dir_sink(path, err);
	if (rc) {
		rs_batch_sink_close(d, false, NULL);
		return rc;
	}
	*out = d;
	return 0;
}

bool rs_batch_sink_is_archive(const rs_batch_sink *d) { return d->a != NULL; }

/* Makes each directory of rel below root; refuses to pass a symbolic link. */
static int make_dirs(const rs_batch_sink *d, char *path, size_t root_len, rs_err *err)
{
	for (char *p = path + root_len + 1; (p = strchr(p, '/')); *p++ = '/') {
		*p = 0;
		struct stat st;
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return rs_fail(err, RS_EIO, "%s: cannot create: %s", path, strerror(errno));
		if (lstat(path, &st) != 0 || S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode))
			return rs_fail(err, RS_EIO, "%s: refused: not a plain directory (a link would lead outside %s)",
				       path, d->root);
	}
	return 0;
}

int rs_batch_sink_path(rs_batch_sink *d, const char *rel, char **out, rs_err *err)
{
	size_t root_len = strlen(d->root);
	char *path = rs_xmalloc(root_len + strlen(rel) + 2);
	sprintf(path, "%s/%s", d->root, rel);
	int rc = make_dirs(d, path, root_len, err);
	/* claimed by an exclusive create: two batches into one OUT cannot both
	 * count the same file as theirs */
	int fd = rc || d->force ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (!rc && !d->force && fd < 0)
		rc = errno == EEXIST ? rs_fail(err, RS_EIO, "%s: exists; use --force to replace it", path)
				     : rs_fail(err, RS_EIO, "%s: cannot create: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rc) {
		free(path);
		return rc;
	}
	*out = path;
	return 0;
}

int rs_batch_sink_add(rs_batch_sink *d, const char *rel, const char *data, size_t len, rs_err *err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, rel);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, 0, 0); /* reproducible archives */
	int r = archive_write_header(d->a, e);
	if (r == ARCHIVE_OK && len && archive_write_data(d->a, data, len) != (la_ssize_t)len)
		r = ARCHIVE_FATAL;
	archive_entry_free(e);
	return r == ARCHIVE_OK ? 0 : rs_fail(err, RS_EIO, "%s: cannot add %s: %s", d->root, rel,
					      archive_error_string(d->a));
}

int rs_batch_sink_close(rs_batch_sink *d, bool ok, rs_err *err)
{
	int rc = 0;
	if (d->a) {
		if (archive_write_close(d->a) != ARCHIVE_OK && ok)
			rc = rs_fail(err, RS_EIO, "%s: %s", d->root, archive_error_string(d->a));
		archive_write_free(d->a);
	}
	if (d->fd >= 0)
		close(d->fd);
	if (d->tmp && ok && !rc && rename(d->tmp, d->root) != 0)
		rc = rs_fail(err, RS_EIO, "%s: cannot rename into place: %s", d->root, strerror(errno));
	if (d->tmp && (!ok || rc))
		unlink(d->tmp);
	free(d->tmp);
	free(d->root);
	free(d);
	return rc;
}

/* --- names --- */

char *rs_batch_out_name(const char *rel, const rs_format *to)
{
	static const char *const known[] = {
		".session.json", ".speedscope.json", ".trace.json.gz", ".trace.json", ".chrome.json",
		".collapsedstack.txt", ".json.gz", ".json", ".pb.gz", ".pprof", ".prof", ".pb",
		".cpuprofile", ".folded", ".collapsed", ".txt.gz", ".txt", ".perf", ".gz"};
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	size_t keep = strlen(rel);
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (ends_with(base, known[i]) && strlen(base) > strlen(known[i])) {
			keep -= strlen(known[i]);
			break;
		}
	const char *suffix = to->suffixes[0] ? to->suffixes : ".json";
	size_t slen = strcspn(suffix, " ");
	char *out = rs_xmalloc(keep + slen + 1);
	memcpy(out, rel, keep);
	memcpy(out + keep, suffix, slen);
	out[keep + slen] = 0;
	return out;
}
