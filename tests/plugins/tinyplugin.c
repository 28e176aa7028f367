/* A tiny codec plugin for the harness's own tests: byte run-length coding, (count, byte) pairs.
 *
 * Built with the system C compiler against the headers shipped in the python-blosc2 wheel.
 * Each -D switch breaks it in one way, as the tests need:
 *   NO_INFO          exports no `info` symbol
 *   WRONG_NAMES      `info` names an encoder and decoder the library does not define
 *   UNRESOLVED       calls blosc2_udcodec_no_such_function, which no libblosc2 exports
 *   UNLINKED         calls blosc2_error_string without linking libblosc2 (link it or crash standalone)
 *   OVERRUN          writes a byte past the size the encoder returns
 *   WRONG_DATA       the decoder flips a byte
 */
#include <stdint.h>
#include <string.h>
#include "blosc2.h"
#include "blosc2/codecs-registry.h"

#ifdef UNRESOLVED
const char *blosc2_udcodec_no_such_function(int code);
#endif

int udc_tiny_encoder(const uint8_t *input, int32_t input_len, uint8_t *output, int32_t output_len,
                     uint8_t meta, blosc2_cparams *cparams, const void *chunk) {
  (void)meta; (void)cparams; (void)chunk;
#ifdef UNRESOLVED
  if (input_len < 0) return blosc2_udcodec_no_such_function(input_len)[0];
#endif
#ifdef UNLINKED
  if (blosc2_error_string(0)[0] == '\x01') return -1;
#endif
  int32_t n = 0;
  for (int32_t i = 0; i < input_len;) {
    int32_t run = 1;
    while (i + run < input_len && run < 255 && input[i + run] == input[i]) run++;
    if (n + 2 > output_len) return 0;  /* does not fit: let Blosc2 store the block raw */
    output[n++] = (uint8_t)run;
    output[n++] = input[i];
    i += run;
  }
  if (n >= input_len) return 0;
#ifdef OVERRUN
  if (n < output_len) output[n] = 0xEE;
#endif
  return n;
}

int udc_tiny_decoder(const uint8_t *input, int32_t input_len, uint8_t *output, int32_t output_len,
                     uint8_t meta, blosc2_dparams *dparams, const void *chunk) {
  (void)meta; (void)dparams; (void)chunk;
  int32_t n = 0;
  for (int32_t i = 0; i + 1 < input_len; i += 2) {
    if (n + input[i] > output_len) return -1;
    memset(output + n, input[i + 1], input[i]);
    n += input[i];
  }
#ifdef WRONG_DATA
  if (n > 0) output[0] ^= 1;
#endif
  return n;
}

#ifndef NO_INFO
#ifdef WRONG_NAMES
codec_info info = {"udc_tiny_missing_encoder", "udc_tiny_missing_decoder"};
#else
codec_info info = {"udc_tiny_encoder", "udc_tiny_decoder"};
#endif
#endif
