// drumbridge drum firmware: MIDI over USB serial (115200 8N1) strikes the
// drum motors. Open this sketch in the Arduino IDE, or build with
// `make -C firmware`. Protocol: firmware/PROTOCOL.md. Pins: src/pins.h.
// The logic lives in src/ (plain C++, no Arduino calls but hal_avr.cpp) so it builds on the host too.
#include <avr/interrupt.h>
#include <avr/sleep.h>
#include <avr/wdt.h>

#include "src/drum.h"
#include "src/hal_avr.h"

// Nothing to time (drum_poll() says so): sleep (idle mode, timers and UART keep running) until the next interrupt, a byte
// arriving or the core's 1 ms timer tick. A strike keeps the loop spinning so its phases land within
// microseconds. Checking and sleeping with interrupts off, then `sei; sleep` (the instruction after sei
// always runs first), means a byte arriving in between wakes us instead of waiting a tick.
static void idle() {
    set_sleep_mode(SLEEP_MODE_IDLE);
    cli();
    if (Serial.available() == 0) {
        sleep_enable();
        sei();
        sleep_cpu();
        sleep_disable();
    }
    sei();
}

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
    const bool busy = drum_poll();
    while (drum_tx_pending() && Serial.availableForWrite() > 0) {
        Serial.write(drum_tx_pop());
    }
    if (!busy && !drum_tx_pending()) idle();
}
