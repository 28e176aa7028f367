/* A tiny codec plugin for the harness's own tests: byte run-length coding, (count, byte) pairs.
 *
 * Built with the system C compiler against the headers shipped in the python-blosc2 wheel.
 * Each -D switch breaks it in one way, as the tests need:
 *   NO_INFO          exports no `info` symbol
 *   WRONG_NAMES      `info` names an encoder and decoder the library does not define
 *   UNRESOLVED       calls blosc2_udcodec_no_such_function, which no libblosc2 exports
 *   UNLINKED         calls blosc2_error_string without linking libblosc2 (link it or crash standalone)
 *   OVERRUN          writes a byte past the size the encoder returns (inside output_len)
 *   ENC_IGNORES_LEN  the encoder writes its whole output whatever output_len is
 *   DEC_IGNORES_LEN  the decoder writes every run whatever output_len is
 *   CALL_COUNTER     the encoder appends a byte counting its calls (the decoder ignores it)
 *   SHARED_SCRATCH   the encoder builds its output in one static buffer shared by every thread
 *   WRONG_DATA       the decoder flips a byte
 *   ECHO_PARAMS      the encoder writes what it was given instead of coding (for the caller's tests)
 */
#include <stdint.h>
#include <string.h>
#include "blosc2.h"
#include "blosc2/codecs-registry.h"
#ifdef SHARED_SCRATCH
#include <unistd.h>
static uint8_t scratch[1 << 20];
#endif
#ifdef CALL_COUNTER
static uint8_t calls;
#endif

#ifdef UNRESOLVED
const char *blosc2_udcodec_no_such_function(int code);
#endif

int udc_tiny_encoder(const uint8_t *input, int32_t input_len, uint8_t *output, int32_t output_len,
                     uint8_t meta, blosc2_cparams *cparams, const void *chunk) {
  (void)meta; (void)cparams; (void)chunk;
#ifdef ECHO_PARAMS
  if (output_len < 10) return 0;
  output[0] = (uint8_t)cparams->typesize; output[1] = cparams->clevel; output[2] = (uint8_t)cparams->splitmode;
  output[3] = cparams->filters[BLOSC2_MAX_FILTERS - 1]; output[4] = meta; output[5] = cparams->compcode;
  output[6] = cparams->schunk != NULL; output[7] = chunk == (const void *)input;
  output[8] = (uint8_t)(cparams->blocksize & 0xff); output[9] = (uint8_t)(input_len & 0xff);
  return 10;
#endif
#ifdef UNRESOLVED
  if (input_len < 0) return blosc2_udcodec_no_such_function(input_len)[0];
#endif
#ifdef UNLINKED
  if (blosc2_error_string(0)[0] == '\x01') return -1;
#endif
#ifdef SHARED_SCRATCH
  uint8_t *target = scratch;
  if (input_len > (int32_t)sizeof(scratch) / 2) return 0;
#else
  uint8_t *target = output;
#endif
  int32_t n = 0;
  for (int32_t i = 0; i < input_len;) {
    int32_t run = 1;
    while (i + run < input_len && run < 255 && input[i + run] == input[i]) run++;
#ifndef ENC_IGNORES_LEN
    if (n + 2 > output_len) return 0;  /* does not fit: let Blosc2 store the block raw */
#endif
    target[n++] = (uint8_t)run;
    target[n++] = input[i];
    i += run;
  }
  if (n >= input_len) return 0;
#ifdef SHARED_SCRATCH
  usleep(100);  /* widen the window in which another thread overwrites the scratch buffer */
  memcpy(output, scratch, (size_t)n);
#endif
#ifdef CALL_COUNTER
  if (n + 1 < input_len && n + 1 <= output_len) output[n++] = ++calls;
#endif
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
#ifndef DEC_IGNORES_LEN
    if (n + input[i] > output_len) return -1;
#endif
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
