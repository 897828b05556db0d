/* drumbridge pin map for the Arduino Uno (Arduino pin numbers; A0 = 14).
 *
 * Plain C: the simavr harness reads the same table to name motor pins.
 * Default driver: one H-bridge channel per motor (L298N, L293D, TB6612FNG):
 * IN1 high + IN2 low = forward (stick to skin), IN1 low + IN2 high = back,
 * both low = off (coast). EN takes PWM; wire it to the board's ENA/PWMA, or
 * leave the board's enable jumper on (then EN is unused, PWM velocity too).
 * Build with DRIVER=shield for the Adafruit motor shield v1 instead.
 */
#ifndef DRUMBRIDGE_PINS_H
#define DRUMBRIDGE_PINS_H

/* Arduino IDE users: uncomment to build for the Adafruit motor shield v1
 * (the Makefile sets it with DRIVER=shield). */
/* #define DB_DRIVER_SHIELD */

#define DB_MOTOR_COUNT 4
#define DB_NO_PIN 0xFF

#define DB_PIN_LED 13

/*                       IN1  IN2  EN(PWM) */
#define DB_HBRIDGE_PINS { { 2,   4,   3 }, \
                          { 7,   8,   5 }, \
                          { 12, 14,   6 }, \
                          { 15, 16,   9 } }

/* Adafruit motor shield v1: a 74HC595 latch holds the direction bits,
 * PWM pins enable each channel (M1..M4 = motors 0..3). */
#define DB_SHIELD_PIN_LATCH 12
#define DB_SHIELD_PIN_CLK    4
#define DB_SHIELD_PIN_ENABLE 7   /* 74HC595 /OE, active low */
#define DB_SHIELD_PIN_DATA   8
#define DB_SHIELD_PWM_PINS { 11, 3, 6, 5 }
/* latch bit numbers for (A, B) of M1..M4; A high + B low = forward */
#define DB_SHIELD_LATCH_BITS { { 2, 3 }, { 1, 4 }, { 5, 7 }, { 0, 6 } }

#endif
