/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-commit.c - `zcio broker` as group coordinator, on the
 * wire with raw sockets: FindCoordinator v0-2 names this broker (the
 * address Metadata advertises), a transaction coordinator is
 * COORDINATOR_NOT_AVAILABLE, an unknown key_type INVALID_REQUEST, a
 * malformed body closes the connection. Each test runs on both engines.
 */
#include "broker-util.h"

static uint8_t rbuf[1 << 20];

static void start_on(struct t_broker *b, void **state,
		     const char *const *extra)
{
	const char *args[16] = { "--engine", T_ENGINE(state) };
	int n = 2;

	while (extra && *extra && n < 15)
		args[n++] = *extra++;
	args[n] = NULL;
	t_broker_dirs(b);
	if (t_broker_startv(b, args)) {
		t_broker_dump(b);
		fail_msg("zcio broker did not start");
	}
}

#define start(b, ...)							\
	start_on(b, state, (const char *const[]){ __VA_ARGS__, NULL })

/* One request, its answer into rbuf; returns the answer's size. */
static ssize_t roundtrip(int fd, const struct t_kreq *r, int32_t corr)
{
	ssize_t n;

	t_send_all(fd, r->b, r->len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 5000);
	assert_true(n >= 4);
	assert_int_equal(t_get32(rbuf), corr);
	return n;
}

struct coord {
	int16_t error;
	int32_t node;
	char host[256];
	int32_t port;
};

static void find_coord(int fd, int16_t ver, const char *key, int8_t type,
		       struct coord *c)
{
	struct t_kreq r;
	size_t off = 4;
	int16_t len;
	ssize_t n;

	t_kbegin(&r, 10, ver, 40 + ver);
	t_kputs(&r, key);
	if (ver >= 1)
		t_kput8(&r, type);
	t_kend(&r);
	n = roundtrip(fd, &r, 40 + ver);
	if (ver >= 1)
		off += 4;			/* throttle */
	c->error = t_get16(rbuf + off);
	off += 2;
	if (ver >= 1) {
		len = t_get16(rbuf + off);	/* error_message */
		off += 2 + (len > 0 ? (size_t)len : 0);
		/* a message exactly when there is an error */
		assert_true((len >= 0) == (c->error != 0));
	}
	c->node = t_get32(rbuf + off);
	len = t_get16(rbuf + off + 4);
	off += 6;
	assert_true(len >= 0 && len < 256);
	memcpy(c->host, rbuf + off, (size_t)len);
	c->host[len] = '\0';
	off += (size_t)len;
	c->port = t_get32(rbuf + off);
	assert_int_equal((ssize_t)off + 4, n);
}

static void find_coordinator(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	struct coord c;
	int16_t ver;
	ssize_t n;
	int fd, i, cnt, found = 0;

	start(&b, NULL);
	fd = t_connect(b.port);
	/* advertised from v0: librdkafka's LZ4 and group features need 0 */
	t_kbegin(&r, 18, 2, 1);
	t_kend(&r);
	n = roundtrip(fd, &r, 1);
	cnt = t_get32(rbuf + 6);
	assert_int_equal(n, 10 + 6 * cnt + 4);
	for (i = 0; i < cnt; i++)
		if (t_get16(rbuf + 10 + 6 * i) == 10) {
			assert_int_equal(t_get16(rbuf + 12 + 6 * i), 0);
			assert_int_equal(t_get16(rbuf + 14 + 6 * i), 2);
			found = 1;
		}
	assert_true(found);
	for (ver = 0; ver <= 2; ver++) {
		find_coord(fd, ver, "grp", 0, &c);
		assert_int_equal(c.error, 0);
		assert_int_equal(c.node, 1);
		assert_string_equal(c.host, "127.0.0.1");
		assert_int_equal(c.port, b.port);
	}
	/* an empty group id still has this coordinator */
	find_coord(fd, 1, "", 0, &c);
	assert_int_equal(c.error, 0);
	/* transactions: not here */
	find_coord(fd, 2, "txn", 1, &c);
	assert_int_equal(c.error, 15);
	assert_int_equal(c.node, -1);
	assert_string_equal(c.host, "");
	assert_int_equal(c.port, -1);
	find_coord(fd, 1, "x", 7, &c);
	assert_int_equal(c.error, 42);
	assert_int_equal(c.node, -1);
	/* a null key is malformed: the connection closes */
	t_kbegin(&r, 10, 1, 50);
	t_kputs(&r, NULL);
	t_kput8(&r, 0);
	t_kend(&r);
	t_send_all(fd, r.b, r.len);
	assert_true(t_kclosed(fd, 3000));
	close(fd);
	/* FindCoordinator v3 (flexible) is not advertised: closed too */
	fd = t_connect(b.port);
	t_kbegin(&r, 10, 3, 51);
	t_kput8(&r, 0);
	t_kend(&r);
	t_send_all(fd, r.b, r.len);
	assert_true(t_kclosed(fd, 3000));
	close(fd);
	assert_true(t_metric(&b, "zcio_kafka_requests_total"
			     "{api=\"find_coordinator\"}") >= 7);
	t_broker_stop(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(find_coordinator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
