// Shared helpers for the drum tests: run the loop in virtual time, feed
// bytes at wire speed, collect replies, read motor state from the pins.
#pragma once
#include <stdint.h>
#include <vector>

#include "drum.h"
#include "fake_hal.h"
#include "motor_driver.h"
#include "pins.h"

typedef std::vector<uint8_t> Bytes;

static const uint8_t kTestPins[DB_MOTOR_COUNT][3] = DB_HBRIDGE_PINS;
static const uint32_t kByteUs = 87;  // one byte at 115200 8N1
static const uint32_t kLoopUs = 10;  // virtual loop period

// Runs the firmware loop for us microseconds.
inline void run_us(uint32_t us) {
    for (uint32_t t = 0; t < us; t += kLoopUs) {
        fake_advance_us(kLoopUs);
        drum_poll();
    }
}

// Sends bytes at wire speed, polling the loop in between like the board does.
inline void send(const Bytes &bytes) {
    for (uint8_t b : bytes) {
        run_us(kByteUs);
        drum_feed(b);
        drum_poll();
    }
}

inline Bytes replies() {
    Bytes out;
    while (drum_tx_pending()) out.push_back(drum_tx_pop());
    return out;
}

inline MotorDrive motor_state(uint8_t m) {
    uint8_t in1 = fake_pin(kTestPins[m][0]), in2 = fake_pin(kTestPins[m][1]);
    if (in1 && !in2) return DRIVE_FORWARD;
    if (in2 && !in1) return DRIVE_BACK;
    return DRIVE_OFF;
}

// Time of each change of motor m's drive, from the pin log: (t_us, drive).
struct DriveChange {
    uint32_t t_us;
    MotorDrive drive;
};

inline std::vector<DriveChange> drive_changes(uint8_t m) {
    std::vector<DriveChange> out;
    uint8_t in1 = 0, in2 = 0;
    MotorDrive last = DRIVE_OFF;
    for (const PinEvent &e : fake_pin_log()) {
        if (e.pin == kTestPins[m][0]) in1 = e.level;
        else if (e.pin == kTestPins[m][1]) in2 = e.level;
        else continue;
        MotorDrive d = (in1 && !in2) ? DRIVE_FORWARD : (in2 && !in1) ? DRIVE_BACK : DRIVE_OFF;
        if (d != last) out.push_back(DriveChange{e.t_us, d});
        last = d;
    }
    return out;
}
