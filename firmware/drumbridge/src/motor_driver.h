// Turns a motor's drive (off / forward / back at a PWM duty) into pin writes.
// Build-time choice: H-bridge pins (default) or Adafruit motor shield v1
// (define DB_DRIVER_SHIELD; `make DRIVER=shield`).
#pragma once
#include <stdint.h>

enum MotorDrive : uint8_t { DRIVE_OFF = 0, DRIVE_FORWARD = 1, DRIVE_BACK = 2 };

uint8_t driver_type();  // DB_DRIVER_*
void driver_begin();    // pins to outputs, every motor off
void driver_set(uint8_t motor, MotorDrive drive, uint8_t pwm);
