// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The TLS half of the https check (OpenSSL), non-blocking on the engine's epoll loop: the
 * handshake (with SNI when the check names a server), then the HTTP request and its reply
 * through the TLS session.  The engine calls these from its events; each step either completes
 * or says "again" (OpenSSL wants to read or write first, and the socket's next edge resumes it).
 *
 * A health check asks whether the service answers, not whether its certificate is right: the
 * certificate is not verified (as keepalived's SSL_GET without a ca), and the session is not
 * shut down cleanly (the probe closes with a RST, as every probe).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "health/health.h"

static SSL_CTX *ctx; /* one for every probe: made on the first https probe */

/* The reason of the last OpenSSL failure, for the log. */
static void tls_why(const char *what, int ret, int sslerr, char *why, size_t wlen)
{
	unsigned long e = ERR_get_error();

	if (e)
		snprintf(why, wlen, "https: %s: %s", what, ERR_reason_error_string(e) ?: "error");
	else if (sslerr == SSL_ERROR_SYSCALL && ret == 0)
		snprintf(why, wlen, "https: %s: connection closed by the backend", what);
	else if (sslerr == SSL_ERROR_SYSCALL)
		snprintf(why, wlen, "https: %s: %s", what, strerror(errno));
	else
		snprintf(why, wlen, "https: %s: TLS error %d", what, sslerr);
	ERR_clear_error();
}

int hc_tls_start(struct hc_target *t, char *why, size_t wlen)
{
	const char *sni = hc_check_arg2(&t->check);
	SSL *ssl;

	if (!ctx) {
		ctx = SSL_CTX_new(TLS_client_method());
		if (!ctx) {
			snprintf(why, wlen, "https: no TLS context");
			return -ENOMEM;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, t->fd) || (sni[0] && !SSL_set_tlsext_host_name(ssl, sni))) {
		SSL_free(ssl);
		snprintf(why, wlen, "https: no TLS session");
		ERR_clear_error();
		return -ENOMEM;
	}
	SSL_set_connect_state(ssl);
	t->tls = ssl;
	return 0;
}

void hc_tls_free(struct hc_target *t)
{
	SSL_free(t->tls);
	t->tls = NULL;
}

enum hc_tls_step hc_tls_handshake(struct hc_target *t, char *why, size_t wlen)
{
	int ret = SSL_do_handshake(t->tls), err;

	if (ret == 1)
		return HC_TLS_DONE;
	err = SSL_get_error(t->tls, ret);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		return HC_TLS_AGAIN;
	tls_why("handshake", ret, err, why, wlen);
	return HC_TLS_FAIL;
}

ssize_t hc_tls_send(struct hc_target *t, const void *buf, size_t len, char *why, size_t wlen)
{
	int ret = SSL_write(t->tls, buf, len), err;

	if (ret > 0)
		return ret;
	err = SSL_get_error(t->tls, ret);
	tls_why("send", ret, err, why, wlen);
	return -1;
}

ssize_t hc_tls_recv(struct hc_target *t, void *buf, size_t len, char *why, size_t wlen)
{
	int ret = SSL_read(t->tls, buf, len), err;

	if (ret > 0)
		return ret;
	err = SSL_get_error(t->tls, ret);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		return -EAGAIN;
	/* the end of the reply: a close_notify, or (as many servers do) the connection closed
	 * without one, or reset once the reply began (a server closing with our TLS records
	 * unread) */
	if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ret == 0) ||
	    (err == SSL_ERROR_SYSCALL && errno == ECONNRESET && t->blen)) {
		ERR_clear_error();
		return 0;
	}
	tls_why("recv", ret, err, why, wlen);
	return -EIO;
}
