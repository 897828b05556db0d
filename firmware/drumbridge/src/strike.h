// One motor's strike: forward -> pause -> back, timed with micros(), with the
// re-strike interval and the max on-time guard that protect the motor.
#pragma once
#include <stdint.h>
#include "calibration.h"
#include "motor_driver.h"

enum StrikePhase : uint8_t { PHASE_IDLE = 0, PHASE_FORWARD, PHASE_PAUSE, PHASE_BACK };

enum StrikeResult : uint8_t { STRIKE_STARTED = 0, STRIKE_TOO_SOON, STRIKE_MAX_ON };

struct Strike {
    uint8_t motor;
    StrikePhase phase;
    MotorDrive drive;
    uint8_t pwm;              // duty of the forward phase
    bool has_struck;
    uint32_t last_start_us;   // start of the last accepted strike
    uint32_t phase_start_us;  // scheduled start of the current phase
    uint32_t phase_len_us;
    uint32_t pause_us;
    uint32_t back_us;
    uint32_t on_since_us;     // when the motor was last switched on from off
};

void strike_init(Strike *s, uint8_t motor);
StrikeResult strike_start(Strike *s, const MotorCal *cal, uint8_t velocity, uint32_t now_us);
// Advances the phases due by now_us. Returns true when the max on-time guard
// had to switch the motor off (a fault: the schedule should never need it).
bool strike_poll(Strike *s, const MotorCal *cal, uint32_t now_us);
void strike_abort(Strike *s);
// Call about once a second: forgets a last strike older than any re-strike
// interval, so micros() wrapping after 71 minutes cannot make it look recent.
void strike_forget_old(Strike *s, uint32_t now_us);
