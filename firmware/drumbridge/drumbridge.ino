// drumbridge drum firmware: MIDI over USB serial (115200 8N1) strikes the
// drum motors. Open this sketch in the Arduino IDE, or build with
// `make -C firmware`. Protocol: firmware/PROTOCOL.md. Pins: src/pins.h.
// The logic lives in src/ (plain C++, no Arduino calls but hal_avr.cpp) so it builds on the host too.
#include <avr/wdt.h>

#include "src/drum.h"
#include "src/hal_avr.h"

void setup() {
    Serial.begin(DB_BAUD);
    drum_begin(hal_reset_flags());
    wdt_enable(WDTO_120MS);  // also bounds how long a hung firmware can leave a motor on
}

void loop() {
    wdt_reset();
    while (Serial.available() > 0) {
        drum_feed((uint8_t)Serial.read());
    }
    drum_poll();
    while (drum_tx_pending() && Serial.availableForWrite() > 0) {
        Serial.write(drum_tx_pop());
    }
}
