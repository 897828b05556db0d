#include "strike.h"

#include "hal.h"

static void set_drive(Strike *s, MotorDrive drive, uint8_t pwm, uint32_t now_us) {
    if (drive == s->drive) return;
    if (s->drive == DRIVE_OFF) s->on_since_us = now_us;
    s->drive = drive;
    driver_set(s->motor, drive, pwm);
}

void strike_init(Strike *s, uint8_t motor) {
    s->motor = motor;
    s->phase = PHASE_IDLE;
    s->drive = DRIVE_OFF;
    s->pwm = 0;
    s->has_struck = false;
    s->last_start_us = 0;
    s->phase_start_us = 0;
    s->phase_len_us = 0;
    s->pause_us = 0;
    s->back_us = 0;
    s->on_since_us = 0;
}

StrikeResult strike_start(Strike *s, const MotorCal *cal, uint8_t velocity, uint32_t now_us) {
    if (s->phase != PHASE_IDLE ||
        (s->has_struck && now_us - s->last_start_us < (uint32_t)cal->min_interval_ms * 1000UL)) {
        return STRIKE_TOO_SOON;
    }
    const uint32_t max_on_us = (uint32_t)cal->max_on_ms * 1000UL;
    const uint16_t scale = cal_velocity_scale(cal, velocity);
    const uint32_t forward_us = cal_forward_us_scaled(cal, scale);
    const uint32_t back_us = (uint32_t)cal->back_ms * 1000UL;
    if (forward_us > max_on_us || back_us > max_on_us ||
        (cal->pause_ms == 0 && forward_us + back_us > max_on_us)) {
        return STRIKE_MAX_ON;
    }
    s->pwm = cal_forward_pwm_scaled(cal, scale);
    // Timed from just before the pin write, not from when the note was read:
    // the arithmetic above must not shorten the stroke, and the pin writes
    // take about as long going on as going off, so they cancel out.
    now_us = hal_micros();
    if (forward_us > 0) set_drive(s, DRIVE_FORWARD, s->pwm, now_us);
    s->has_struck = true;
    s->last_start_us = now_us;
    s->phase = PHASE_FORWARD;
    s->phase_start_us = now_us;
    s->phase_len_us = forward_us;
    s->pause_us = (uint32_t)cal->pause_ms * 1000UL;
    s->back_us = back_us;
    strike_poll(s, cal, now_us);
    return STRIKE_STARTED;
}

bool strike_poll(Strike *s, const MotorCal *cal, uint32_t now_us) {
    while (s->phase != PHASE_IDLE && now_us - s->phase_start_us >= s->phase_len_us) {
        s->phase_start_us += s->phase_len_us;
        if (s->phase == PHASE_FORWARD) {
            s->phase = PHASE_PAUSE;
            s->phase_len_us = s->pause_us;
            if (s->pause_us > 0) set_drive(s, DRIVE_OFF, 0, now_us);
        } else if (s->phase == PHASE_PAUSE) {
            s->phase = PHASE_BACK;
            s->phase_len_us = s->back_us;
            set_drive(s, s->back_us > 0 ? DRIVE_BACK : DRIVE_OFF, 255, now_us);
        } else {
            s->phase = PHASE_IDLE;
            set_drive(s, DRIVE_OFF, 0, now_us);
        }
    }
    if (s->drive != DRIVE_OFF &&
        now_us - s->on_since_us >= (uint32_t)cal->max_on_ms * 1000UL) {
        strike_abort(s);
        return true;
    }
    return false;
}

void strike_abort(Strike *s) {
    s->phase = PHASE_IDLE;
    s->drive = DRIVE_OFF;
    driver_set(s->motor, DRIVE_OFF, 0);
}

void strike_forget_old(Strike *s, uint32_t now_us) {
    if (s->phase == PHASE_IDLE && s->has_struck &&
        now_us - s->last_start_us > (uint32_t)DB_CAL_MAX_INTERVAL_MS * 2000UL) {
        s->has_struck = false;
    }
}
