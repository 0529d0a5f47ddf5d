/* Helpers shared by the governor unit tests: the measurements of a fixture
 * root (tests/fixtures/gov/<scenario>: host states and cgroup layouts this
 * machine cannot be put in on demand), read through the real gov-measure.c. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "gov-measure.h"

#define GIB (1024ull * 1024 * 1024)
#define MIB (1024ull * 1024)

/* The path of a fixture root, in buf. */
static inline const char *gov_test_fixture_root(char *buf, size_t len, const char *scenario)
{
        snprintf(buf, len, "%s/gov/%s", TEST_FIXTURE_DIR, scenario);
        return buf;
}

/* One read of a fixture root: memory, pressure and capacity; CPU is not
 * known after a single read (it needs two samples). */
static inline struct gov_measurements gov_test_measure(const char *scenario)
{
        char root[512];
        struct gov_measure *m = NULL;
        assert_int_equal(gov_measure_new(gov_test_fixture_root(root, sizeof(root), scenario), &m),
                         0);
        struct gov_measurements r;
        assert_int_equal(gov_measure_read(m, &r), 0);
        gov_measure_free(m);
        return r;
}
