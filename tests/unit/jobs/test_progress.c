/* Unit tests for progress.c: every progress format, progress.json, the
 * never-decreasing rule, UTF-8 cleaning, and that a 100 MB log is read only
 * at its tail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progress.h"

static char tmpdir[64];
static int tmpfd = -1;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int setup(void **state)
{
        strcpy(tmpdir, "/tmp/corral-test-progress.XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return tmpfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        close(tmpfd);
        return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *name, const char *text)
{
        int fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
}

static double text_percent(const char *text)
{
        struct progress p;
        assert_int_equal(progress_parse_text(text, strlen(text), false, &p), 0);
        double v = p.percent;
        progress_done(&p);
        return v;
}

static void formats(void **state)
{
        assert_true(text_percent("Progress: 45.5%\n") == 45.5);
        assert_true(text_percent("progress 7%\n") == 7.0);
        assert_true(text_percent("Day 10/20\n") == 50.0);
        assert_true(text_percent("Step 3 of 10\n") == 30.0);
        assert_true(text_percent("step 3/4: compiling\n") == 75.0);
        assert_true(text_percent("[3/10] building foo.o\n") == 30.0);
        assert_true(text_percent("  [ 1 / 4 ]\n") == 25.0);
        /* The LAST line with a pattern counts. */
        assert_true(text_percent("Progress: 10%\nProgress: 20%\nsome text\n") == 20.0);
        /* Not progress: a word that merely contains "day", N > M, zero
         * denominators, a percent past 100. */
        assert_true(text_percent("Today 3/4\n") < 0);
        assert_true(text_percent("Day 5/4\n") < 0);
        assert_true(text_percent("[1/0]\n") < 0);
        assert_true(text_percent("Progress: 150%\n") < 0);
        assert_true(text_percent("") < 0);
        /* Carriage returns separate lines (progress bars redraw with them). */
        assert_true(text_percent("Progress: 1%\rProgress: 2%\rProgress: 3%") == 3.0);
}

static void message_is_last_nonempty_line(void **state)
{
        struct progress p;
        const char *t = "first\nProgress: 10%\nloading model\n\n   \n";
        assert_int_equal(progress_parse_text(t, strlen(t), false, &p), 0);
        assert_string_equal(p.message, "loading model");
        assert_true(p.percent == 10.0);
        progress_done(&p);

        /* A cut first line (tail of a big log) is not used. */
        t = "ess: 99%\nreal line\n";
        assert_int_equal(progress_parse_text(t, strlen(t), true, &p), 0);
        assert_true(p.percent < 0);
        assert_string_equal(p.message, "real line");
        progress_done(&p);

        /* Invalid UTF-8 and control characters are cleaned; long lines capped. */
        char line[2000];
        memset(line, 'x', sizeof(line) - 1);
        line[sizeof(line) - 1] = 0;
        line[0] = '\xff';
        line[1] = '\x1b';
        assert_int_equal(progress_parse_text(line, strlen(line), false, &p), 0);
        assert_true(strlen(p.message) <= PROGRESS_MESSAGE_MAX);
        assert_memory_equal(p.message, "\xef\xbf\xbd x", 5);
        progress_done(&p);
}

static void sanitize(void **state)
{
        char *s;
        /* A 3-byte character is never cut in half. */
        assert_int_equal(progress_sanitize_text("ab\xe2\x82\xac", 5, 4, false, false, &s), 0);
        assert_string_equal(s, "ab");
        free(s);
        /* from_end keeps the end. */
        assert_int_equal(progress_sanitize_text("start...end", 11, 3, false, true, &s), 0);
        assert_string_equal(s, "end");
        free(s);
        /* Overlong encodings and surrogates are invalid. */
        assert_int_equal(progress_sanitize_text("\xc0\xaf\xed\xa0\x80", 5, 100, false, false, &s),
                         0);
        assert_null(strstr(s, "\xc0"));
        assert_null(strstr(s, "\xed\xa0"));
        free(s);
        assert_int_equal(progress_sanitize_text("a\nb\tc", 5, 100, true, false, &s), 0);
        assert_string_equal(s, "a\nb\tc");
        free(s);
}

static void json_file_wins(void **state)
{
        struct progress p;
        write_file("stdout.log", "Progress: 10%\nfrom the log\n");
        write_file("progress.json", "{\"percent\": 45.5, \"message\": \"Loading modules\"}");
        assert_int_equal(progress_read_at(tmpfd, &p, NULL), 0);
        assert_true(p.percent == 45.5);
        assert_string_equal(p.message, "Loading modules");
        progress_done(&p);

        /* A half-written or wrongly typed progress.json falls back to the log. */
        write_file("progress.json", "{\"percent\": 4");
        assert_int_equal(progress_read_at(tmpfd, &p, NULL), 0);
        assert_true(p.percent == 10.0);
        assert_string_equal(p.message, "from the log");
        progress_done(&p);
        write_file("progress.json", "{\"percent\": \"50\"}");
        assert_int_equal(progress_read_at(tmpfd, &p, NULL), 0);
        assert_true(p.percent == 10.0);
        progress_done(&p);

        assert_int_equal(unlinkat(tmpfd, "progress.json", 0), 0);
        assert_int_equal(unlinkat(tmpfd, "stdout.log", 0), 0);
        assert_int_equal(progress_read_at(tmpfd, &p, NULL), 0);
        assert_true(p.percent < 0);
        assert_null(p.message);
}

static void planted_fifo_and_symlink_are_refused(void **state)
{
        /* A job could make its log a FIFO (blocking the reader) or a symlink to
         * a secret; neither may be read. */
        struct progress p;
        assert_int_equal(mkfifoat(tmpfd, "stdout.log", 0600), 0);
        assert_int_equal(progress_read_at(tmpfd, &p, NULL), -EBADFD);
        assert_int_equal(unlinkat(tmpfd, "stdout.log", 0), 0);
        assert_int_equal(symlinkat("/etc/passwd", tmpfd, "stdout.log"), 0);
        assert_int_equal(progress_read_at(tmpfd, &p, NULL), -EBADFD);
        assert_int_equal(unlinkat(tmpfd, "stdout.log", 0), 0);
}

static void update_never_decreases(void **state)
{
        struct progress cur = PROGRESS_INIT;
        struct progress a = {.percent = 40.0, .message = "a"};
        struct progress b = {.percent = 30.0, .message = "b"};
        struct progress c = {.percent = -1.0, .message = NULL};
        assert_int_equal(progress_update(&cur, &a), 0);
        assert_true(cur.percent == 40.0);
        assert_int_equal(progress_update(&cur, &b), 0);
        assert_true(cur.percent == 40.0);
        assert_string_equal(cur.message, "b");
        assert_int_equal(progress_update(&cur, &c), 0);
        assert_true(cur.percent == 40.0);
        assert_string_equal(cur.message, "b");
        progress_done(&cur);
}

static void huge_log_read_at_tail_only(void **state)
{
        /* 100 MB of real log lines; progress must come from the last KiBs. */
        const size_t total = 100u << 20;
        int fd = openat(tmpfd, "stdout.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        char *chunk = malloc(1 << 20);
        assert_non_null(chunk);
        const char *line = "Step 1 of 1000: noise noise noise noise noise noise\n";
        size_t ll = strlen(line), fill = 0;
        while (fill + ll <= (1u << 20)) {
                memcpy(chunk + fill, line, ll);
                fill += ll;
        }
        for (size_t written = 0; written < total; written += fill)
                assert_int_equal(write(fd, chunk, fill), (ssize_t)fill);
        free(chunk);
        const char *tail = "Day 19/20\nalmost there\n";
        assert_int_equal(write(fd, tail, strlen(tail)), (ssize_t)strlen(tail));
        close(fd);

        struct progress p;
        uint64_t nread = 0;
        assert_int_equal(progress_read_at(tmpfd, &p, &nread), 0);
        assert_true(p.percent == 95.0);
        assert_string_equal(p.message, "almost there");
        assert_true(nread > 0);
        assert_true(nread <= PROGRESS_TAIL_BYTES);
        progress_done(&p);
        assert_int_equal(unlinkat(tmpfd, "stdout.log", 0), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(formats),
            cmocka_unit_test(message_is_last_nonempty_line),
            cmocka_unit_test(sanitize),
            cmocka_unit_test(json_file_wins),
            cmocka_unit_test(planted_fifo_and_symlink_are_refused),
            cmocka_unit_test(update_never_decreases),
            cmocka_unit_test(huge_log_read_at_tail_only),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
