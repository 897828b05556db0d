/* drumbridge drum link: every byte value the host and the firmware agree on.
 *
 * Plain C so the firmware, the host tests and the simavr harness share it.
 * The Python side (bridge/drum/) mirrors this table; PROTOCOL.md documents it
 * byte by byte with golden examples. Change a value here only together with
 * DB_PROTOCOL_VERSION and PROTOCOL.md.
 */
#ifndef DRUMBRIDGE_PROTOCOL_H
#define DRUMBRIDGE_PROTOCOL_H

#define DB_PROTOCOL_VERSION 1
#define DB_FW_VERSION_MAJOR 1
#define DB_FW_VERSION_MINOR 0
#define DB_FW_VERSION_PATCH 0

#define DB_BAUD 115200UL

/* MIDI bytes the firmware acts on. */
#define DB_MIDI_NOTE_OFF       0x80
#define DB_MIDI_NOTE_ON        0x90
#define DB_MIDI_SYSEX_START    0xF0
#define DB_MIDI_SYSEX_END      0xF7
#define DB_MIDI_ACTIVE_SENSING 0xFE

/* Heartbeat: once an Active Sensing byte has been seen, this long without
 * any byte turns every motor off, aborts strikes and drops any half-received
 * message; the next byte resumes normal operation. */
#define DB_HEARTBEAT_TIMEOUT_MS 300

/* Reply timeout (host side; the firmware answers within ~0.2 ms): when a
 * request is outstanding and no byte at all has come from the board for this
 * long, the host treats the link as lost, closes the port and reconnects. */
#define DB_REPLY_TIMEOUT_MS 1000  /* PROTOCOL.md section 5 says the same number */

/* SysEx framing: F0 7D <command> <data...> F7, every data byte 0..0x7F. */
#define DB_SYSEX_ID 0x7D

/* ---- The command table ------------------------------------------------ */
/* host -> firmware                      request data bytes after <command> */
#define DB_CMD_HELLO          0x01  /* 0                                    */
#define DB_CMD_CAL_GET        0x02  /* 1: motor                             */
#define DB_CMD_CAL_SET        0x03  /* 1 + DB_CAL_WIRE_LEN: motor, fields   */
#define DB_CMD_SAVE           0x04  /* 0: write cal+map+channel to EEPROM   */
#define DB_CMD_STATUS_GET     0x05  /* 0                                    */
#define DB_CMD_STATUS_CLEAR   0x06  /* 0: zero counters, clear fault        */
#define DB_CMD_TEST_STRIKE    0x07  /* 2: motor, velocity 1..127            */
#define DB_CMD_PANIC          0x08  /* 0: all motors off, abort strikes     */
#define DB_CMD_MAP_GET        0x09  /* 0                                    */
#define DB_CMD_MAP_SET        0x0A  /* DB_MAP_WIRE_LEN: channel, 8 x (note, motor) */
#define DB_CMD_DEFAULTS       0x0B  /* 0: factory cal+map+channel in RAM (not saved) */

/* firmware -> host */
#define DB_REPLY_HELLO        0x41  /* answers HELLO      */
#define DB_REPLY_CAL          0x42  /* answers CAL_GET    */
#define DB_REPLY_STATUS       0x45  /* answers STATUS_GET */
#define DB_REPLY_MAP          0x49  /* answers MAP_GET    */
#define DB_REPLY_ACK          0x60  /* data: <command acked>, <DB_ACK_*>; answers every other command */
#define DB_NOTICE_BOOT        0x70  /* unsolicited, once after every reset */

/* ACK result codes */
#define DB_ACK_OK                   0x00
#define DB_ACK_BAD_LENGTH           0x01
#define DB_ACK_BAD_MOTOR            0x02
#define DB_ACK_BAD_VALUE            0x03
#define DB_ACK_UNKNOWN_COMMAND      0x04
#define DB_ACK_BUSY                 0x05  /* an EEPROM save is still being written */
#define DB_ACK_REFUSED_TOO_SOON     0x06  /* test strike inside the min re-strike interval */
#define DB_ACK_REFUSED_MAX_ON       0x07  /* test strike would exceed max on-time */

/* HELLO reply data: protocol, fw major, fw minor, fw patch, motor count, driver */
#define DB_DRIVER_HBRIDGE  0x00
#define DB_DRIVER_SHIELD_V1 0x01

/* BOOT notice data: protocol, fw major, minor, patch, reset flags,
 * EEPROM state, motor count, driver.
 * Reset flags are the ATmega328P MCUSR bits: */
#define DB_RESET_POWER_ON  0x01  /* PORF  */
#define DB_RESET_EXTERNAL  0x02  /* EXTRF */
#define DB_RESET_BROWN_OUT 0x04  /* BORF  */
#define DB_RESET_WATCHDOG  0x08  /* WDRF  */
/* EEPROM state at boot */
#define DB_EEPROM_LOADED       0x00
#define DB_EEPROM_BLANK        0x01  /* never saved: defaults in use   */
#define DB_EEPROM_BAD_CHECKSUM 0x02  /* corrupt: defaults in use       */
#define DB_EEPROM_OLD_LAYOUT   0x03  /* other layout version: defaults */

/* Calibration fields on the wire, in this order (15 bytes):
 * 14-bit values are two bytes, low 7 bits first (like MIDI pitch bend). */
#define DB_CAL_WIRE_LEN 15
/* forward_ms(2) pause_ms(2) back_ms(2) latency_ms(2) min_interval_ms(2)
 * max_on_ms(2) vel_mode(1) vel_floor_pct(1) vel_curve(1) */
#define DB_VEL_MODE_TIME  0x00  /* velocity scales forward time, full PWM */
#define DB_VEL_MODE_PWM   0x01  /* velocity scales PWM duty, full forward time */
#define DB_VEL_MODE_BOTH  0x02  /* both */
#define DB_VEL_MODE_FIXED 0x03  /* velocity ignored */
#define DB_VEL_CURVE_LINEAR    0x00
#define DB_VEL_CURVE_QUADRATIC 0x01
/* Upper limits the firmware accepts (motor protection whatever the host says). */
#define DB_CAL_MAX_PHASE_MS    1000  /* forward, pause, back, latency, max_on */
#define DB_CAL_MAX_INTERVAL_MS 10000 /* min_interval */

/* Note map on the wire (17 bytes): channel (0..15, or DB_CHANNEL_OMNI),
 * then DB_MAP_SLOTS pairs (note, motor); motor DB_MAP_EMPTY = unused slot. */
#define DB_MAP_SLOTS 8
#define DB_MAP_WIRE_LEN (1 + 2 * DB_MAP_SLOTS)
#define DB_CHANNEL_OMNI 0x7F
#define DB_MAP_EMPTY 0x7F

/* STATUS reply data: flags(1), active motor bitmask(1), then
 * DB_STATUS_COUNTERS 32-bit counters, each five 7-bit bytes, low bits first. */
#define DB_STATUS_FLAG_HEARTBEAT_SEEN 0x01
#define DB_STATUS_FLAG_HEARTBEAT_LOST 0x02
#define DB_STATUS_FLAG_FAULT          0x04
#define DB_STATUS_FLAG_SAVING         0x08
enum {
    DB_CTR_UPTIME_MS = 0,
    DB_CTR_BYTES_RX,
    DB_CTR_NOTES,
    DB_CTR_STRIKES,
    DB_CTR_REFUSED_TOO_SOON,
    DB_CTR_REFUSED_MAX_ON,
    DB_CTR_PARSE_ERRORS,
    DB_CTR_HEARTBEAT_LOSSES,
    DB_CTR_CUTOFFS,      /* max on-time guard forced a motor off */
    DB_CTR_TX_DROPPED,   /* replies dropped because the send queue was full */
    DB_STATUS_COUNTERS
};

#endif
