#ifndef DB_DRIVER_SHIELD
#include "hal.h"
#include "motor_driver.h"
#include "pins.h"
#include "protocol.h"

static const uint8_t kPins[DB_MOTOR_COUNT][3] = DB_HBRIDGE_PINS;

uint8_t driver_type() { return DB_DRIVER_HBRIDGE; }

void driver_begin() {
    for (uint8_t m = 0; m < DB_MOTOR_COUNT; m++) {
        for (uint8_t i = 0; i < 3; i++) {
            if (kPins[m][i] == DB_NO_PIN) continue;
            hal_pin_write(kPins[m][i], 0);
            hal_pin_output(kPins[m][i]);
        }
    }
}

void driver_set(uint8_t motor, MotorDrive drive, uint8_t pwm) {
    if (motor >= DB_MOTOR_COUNT) return;
    const uint8_t in1 = kPins[motor][0], in2 = kPins[motor][1], en = kPins[motor][2];
    // Drop the active side first so IN1 and IN2 are never high together.
    if (drive != DRIVE_FORWARD) hal_pin_write(in1, 0);
    if (drive != DRIVE_BACK) hal_pin_write(in2, 0);
    if (drive == DRIVE_OFF) {
        if (en != DB_NO_PIN) hal_pin_pwm(en, 0);
        return;
    }
    if (en != DB_NO_PIN) hal_pin_pwm(en, pwm);
    hal_pin_write(drive == DRIVE_FORWARD ? in1 : in2, 1);
}
#endif
