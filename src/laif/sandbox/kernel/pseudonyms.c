/* Keyed pseudonyms of many values in one call: HMAC-SHA256 (RFC 2104) of each value, its first
 * `digits` hex digits after `prefix`, end to end in `out`. The loop over the values is the only
 * code of ours; SHA-256 is OpenSSL's (libcrypto, with its SHA-NI/AVX2 code where the CPU has it).
 * The inner and outer hashes are computed once from the key (`key XOR ipad` then `label`, and
 * `key XOR opad`) and copied per value, as hashlib's path in laif.sandbox.policies does.
 * The low-level SHA256_* calls are deprecated in OpenSSL 3 but kept there: they are the ones
 * without a per-call provider lookup. ADR 0029. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <string.h>

static const char HEX[] = "0123456789abcdef";

/* 0: done; -1: a key longer than a block (hash it first) or more digits than a digest has;
 * -2: offsets that do not rise within `data`. Nothing is written past count * (prefix_len +
 * digits) bytes of `out`. */
int laif_pseudonyms(const char *key, size_t key_len, const char *label, size_t label_len,
                    const char *data, size_t data_len, const int64_t *offsets, size_t count,
                    const char *prefix, size_t prefix_len, size_t digits, char *out)
{
    unsigned char block[SHA256_CBLOCK], pad[SHA256_CBLOCK], mac[SHA256_DIGEST_LENGTH];
    SHA256_CTX inner, outer, ctx;
    size_t i, j;
    int rc = 0;

    if (key_len > SHA256_CBLOCK || digits > 2 * SHA256_DIGEST_LENGTH)
        return -1;
    for (i = 0; i < count; i++)
        if (offsets[i] < 0 || offsets[i] > offsets[i + 1] || (uint64_t)offsets[i + 1] > data_len)
            return -2;
    memset(block, 0, sizeof block);
    memcpy(block, key, key_len);
    for (i = 0; i < SHA256_CBLOCK; i++)
        pad[i] = block[i] ^ 0x36;
    SHA256_Init(&inner);
    SHA256_Update(&inner, pad, sizeof pad);
    SHA256_Update(&inner, label, label_len);
    for (i = 0; i < SHA256_CBLOCK; i++)
        pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&outer);
    SHA256_Update(&outer, pad, sizeof pad);
    for (i = 0; i < count; i++) {
        ctx = inner;
        SHA256_Update(&ctx, data + offsets[i], (size_t)(offsets[i + 1] - offsets[i]));
        SHA256_Final(mac, &ctx);
        ctx = outer;
        SHA256_Update(&ctx, mac, sizeof mac);
        SHA256_Final(mac, &ctx);
        memcpy(out, prefix, prefix_len);
        out += prefix_len;
        for (j = 0; j < digits; j++)
            *out++ = HEX[j & 1 ? mac[j / 2] & 15 : mac[j / 2] >> 4];
    }
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(mac, sizeof mac);
    OPENSSL_cleanse(&inner, sizeof inner);
    OPENSSL_cleanse(&outer, sizeof outer);
    OPENSSL_cleanse(&ctx, sizeof ctx);
    return rc;
}
