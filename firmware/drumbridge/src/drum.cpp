#include "drum.h"

#include "hal.h"
#include "midi_parser.h"
#include "motor_driver.h"
#include "pins.h"
#include "strike.h"

static DrumConfig config;
static Strike strikes[DB_MOTOR_COUNT];
static MidiParser parser;
static uint32_t counters[DB_STATUS_COUNTERS];
static bool heartbeat_seen;
static bool heartbeat_lost;
static bool fault;
static uint32_t last_byte_us;
static uint8_t eeprom_state;

static uint8_t tx_queue[DRUM_TX_QUEUE];
static uint8_t tx_head, tx_len;

static bool saving;
static uint8_t ee_image[EE_IMAGE_LEN];
static uint8_t ee_pos;

static uint32_t next_housekeeping_ms;
static uint8_t led_level = 0xFF;
static const uint16_t *led_pattern;
static uint8_t led_pattern_len, led_step;
static uint32_t led_next_ms;

// ---- replies ------------------------------------------------------------

static void tx_push(uint8_t b) {
    tx_queue[(uint8_t)(tx_head + tx_len) % DRUM_TX_QUEUE] = b;
    tx_len++;
}

// Queues F0 7D <command> <data> F7 whole, or drops it (counted) if it won't fit.
static void send_sysex(uint8_t command, const uint8_t *data, uint8_t len) {
    if ((uint16_t)tx_len + len + 4 > DRUM_TX_QUEUE) {
        counters[DB_CTR_TX_DROPPED]++;
        return;
    }
    tx_push(DB_MIDI_SYSEX_START);
    tx_push(DB_SYSEX_ID);
    tx_push(command);
    for (uint8_t i = 0; i < len; i++) tx_push(data[i]);
    tx_push(DB_MIDI_SYSEX_END);
}

static void send_ack(uint8_t command, uint8_t code) {
    uint8_t data[2] = {command, code};
    send_sysex(DB_REPLY_ACK, data, 2);
}

bool drum_tx_pending() { return tx_len > 0; }

uint8_t drum_tx_pop() {
    if (tx_len == 0) return 0;
    uint8_t b = tx_queue[tx_head];
    tx_head = (uint8_t)(tx_head + 1) % DRUM_TX_QUEUE;
    tx_len--;
    return b;
}

// ---- motors -------------------------------------------------------------

static void all_off() {
    for (uint8_t m = 0; m < DB_MOTOR_COUNT; m++) strike_abort(&strikes[m]);
}

static StrikeResult strike(uint8_t motor, uint8_t velocity) {
    StrikeResult r = strike_start(&strikes[motor], &config.cal[motor], velocity, hal_micros());
    if (r == STRIKE_STARTED) counters[DB_CTR_STRIKES]++;
    if (r == STRIKE_TOO_SOON) counters[DB_CTR_REFUSED_TOO_SOON]++;
    if (r == STRIKE_MAX_ON) counters[DB_CTR_REFUSED_MAX_ON]++;
    return r;
}

// ---- SysEx commands -----------------------------------------------------

static void put32(uint8_t *out, uint32_t v) {
    for (uint8_t i = 0; i < 5; i++) {
        out[i] = v & 0x7F;
        v >>= 7;
    }
}

static void send_status() {
    uint8_t data[2 + 5 * DB_STATUS_COUNTERS];
    counters[DB_CTR_UPTIME_MS] = hal_millis();
    data[0] = drum_status_flags();
    data[1] = drum_active_motors();
    for (uint8_t i = 0; i < DB_STATUS_COUNTERS; i++) put32(data + 2 + 5 * i, counters[i]);
    send_sysex(DB_REPLY_STATUS, data, sizeof(data));
}

static void send_identity(uint8_t command) {
    uint8_t data[6] = {DB_PROTOCOL_VERSION, DB_FW_VERSION_MAJOR, DB_FW_VERSION_MINOR,
                       DB_FW_VERSION_PATCH, DB_MOTOR_COUNT, driver_type()};
    send_sysex(command, data, sizeof(data));
}

static void send_boot_notice(uint8_t reset_flags) {
    uint8_t data[8] = {DB_PROTOCOL_VERSION, DB_FW_VERSION_MAJOR, DB_FW_VERSION_MINOR,
                       DB_FW_VERSION_PATCH, (uint8_t)(reset_flags & 0x0F), eeprom_state,
                       DB_MOTOR_COUNT, driver_type()};
    send_sysex(DB_NOTICE_BOOT, data, sizeof(data));
}

// Expected data length after the command byte, or -1 for an unknown command.
static int8_t request_length(uint8_t command) {
    switch (command) {
    case DB_CMD_HELLO: return 0;
    case DB_CMD_CAL_GET: return 1;
    case DB_CMD_CAL_SET: return 1 + DB_CAL_WIRE_LEN;
    case DB_CMD_SAVE: return 0;
    case DB_CMD_STATUS_GET: return 0;
    case DB_CMD_STATUS_CLEAR: return 0;
    case DB_CMD_TEST_STRIKE: return 2;
    case DB_CMD_PANIC: return 0;
    case DB_CMD_MAP_GET: return 0;
    case DB_CMD_MAP_SET: return DB_MAP_WIRE_LEN;
    case DB_CMD_DEFAULTS: return 0;
    default: return -1;
    }
}

static void handle_sysex(const uint8_t *body, uint8_t len) {
    if (len < 1 || body[0] != DB_SYSEX_ID) return;  // someone else's SysEx
    if (len < 2) {
        counters[DB_CTR_PARSE_ERRORS]++;
        return;
    }
    const uint8_t command = body[1];
    const uint8_t *data = body + 2;
    const uint8_t data_len = len - 2;
    const int8_t expected = request_length(command);
    if (expected < 0) {
        send_ack(command, DB_ACK_UNKNOWN_COMMAND);
        return;
    }
    if (data_len != expected) {
        send_ack(command, DB_ACK_BAD_LENGTH);
        return;
    }
    if ((command == DB_CMD_CAL_GET || command == DB_CMD_CAL_SET ||
         command == DB_CMD_TEST_STRIKE) && data[0] >= DB_MOTOR_COUNT) {
        send_ack(command, DB_ACK_BAD_MOTOR);
        return;
    }
    switch (command) {
    case DB_CMD_HELLO:
        send_identity(DB_REPLY_HELLO);
        break;
    case DB_CMD_CAL_GET: {
        uint8_t reply[1 + DB_CAL_WIRE_LEN];
        reply[0] = data[0];
        cal_encode(&config.cal[data[0]], reply + 1);
        send_sysex(DB_REPLY_CAL, reply, sizeof(reply));
        break;
    }
    case DB_CMD_CAL_SET:
        send_ack(command, cal_decode(data + 1, &config.cal[data[0]]) ? DB_ACK_OK : DB_ACK_BAD_VALUE);
        break;
    case DB_CMD_SAVE:
        if (saving) {
            send_ack(command, DB_ACK_BUSY);
        } else {
            config_to_image(&config, ee_image);
            saving = true;
            ee_pos = 0;  // the ACK goes out when the last byte is written
        }
        break;
    case DB_CMD_STATUS_GET:
        send_status();
        break;
    case DB_CMD_STATUS_CLEAR:
        for (uint8_t i = 0; i < DB_STATUS_COUNTERS; i++) counters[i] = 0;
        fault = false;
        send_ack(command, DB_ACK_OK);
        break;
    case DB_CMD_TEST_STRIKE: {
        if (data[1] < 1) {
            send_ack(command, DB_ACK_BAD_VALUE);
            break;
        }
        StrikeResult r = strike(data[0], data[1]);
        send_ack(command, r == STRIKE_STARTED  ? DB_ACK_OK
                          : r == STRIKE_TOO_SOON ? DB_ACK_REFUSED_TOO_SOON
                                                 : DB_ACK_REFUSED_MAX_ON);
        break;
    }
    case DB_CMD_PANIC:
        all_off();
        send_ack(command, DB_ACK_OK);
        break;
    case DB_CMD_MAP_GET: {
        uint8_t reply[DB_MAP_WIRE_LEN];
        map_encode(&config.map, reply);
        send_sysex(DB_REPLY_MAP, reply, sizeof(reply));
        break;
    }
    case DB_CMD_MAP_SET:
        send_ack(command, map_decode(data, &config.map) ? DB_ACK_OK : DB_ACK_BAD_VALUE);
        break;
    case DB_CMD_DEFAULTS:
        config_defaults(&config);
        send_ack(command, DB_ACK_OK);
        break;
    }
}

// ---- public -------------------------------------------------------------

void drum_begin(uint8_t reset_flags) {
    driver_begin();
    hal_pin_write(DB_PIN_LED, 0);
    hal_pin_output(DB_PIN_LED);
    led_level = 0;
    led_pattern = 0;
    next_housekeeping_ms = hal_millis();
    for (uint8_t m = 0; m < DB_MOTOR_COUNT; m++) strike_init(&strikes[m], m);
    midi_parser_reset(&parser);
    for (uint8_t i = 0; i < DB_STATUS_COUNTERS; i++) counters[i] = 0;
    heartbeat_seen = heartbeat_lost = false;
    last_byte_us = hal_micros();
    tx_head = tx_len = 0;
    saving = false;
    uint8_t image[EE_IMAGE_LEN];
    for (uint8_t i = 0; i < EE_IMAGE_LEN; i++) image[i] = hal_eeprom_read(i);
    eeprom_state = config_from_image(image, &config);
    fault = eeprom_state == DB_EEPROM_BAD_CHECKSUM;
    send_boot_notice(reset_flags);
}

void drum_feed(uint8_t byte) {
    counters[DB_CTR_BYTES_RX]++;
    last_byte_us = hal_micros();
    heartbeat_lost = false;
    if (byte == DB_MIDI_ACTIVE_SENSING) heartbeat_seen = true;
    MidiEvent ev = midi_parse(&parser, byte);
    switch (ev.type) {
    case MIDI_EV_ERROR:
        counters[DB_CTR_PARSE_ERRORS]++;
        break;
    case MIDI_EV_CHANNEL:
        if ((ev.status & 0xF0) == DB_MIDI_NOTE_ON && ev.data2 > 0) {
            counters[DB_CTR_NOTES]++;
            uint8_t motor = map_lookup(&config.map, ev.status & 0x0F, ev.data1);
            if (motor != DB_MAP_EMPTY) strike(motor, ev.data2);
        }
        break;
    case MIDI_EV_SYSEX:
        handle_sysex(ev.sysex, ev.sysex_len);
        break;
    default:
        break;
    }
}

static void poll_eeprom() {
    if (!saving || !hal_eeprom_ready()) return;
    while (ee_pos < EE_IMAGE_LEN && hal_eeprom_read(ee_pos) == ee_image[ee_pos]) ee_pos++;
    if (ee_pos < EE_IMAGE_LEN) {
        hal_eeprom_write(ee_pos, ee_image[ee_pos]);
        ee_pos++;
        return;
    }
    saving = false;
    eeprom_state = DB_EEPROM_LOADED;
    send_ack(DB_CMD_SAVE, DB_ACK_OK);
}

// Pin 13 blink codes, as (on ms, off ms) pairs repeated:
// host ok = 1 Hz, no host (no heartbeat yet, or lost) = 5 Hz,
// fault = two short flashes a second.
static const uint16_t kLedOk[] = {500, 500};
static const uint16_t kLedNoHost[] = {100, 100};
static const uint16_t kLedFault[] = {100, 100, 100, 700};

static void poll_led(uint32_t now) {
    const uint16_t *pattern = kLedOk;
    uint8_t len = 2;
    if (fault) {
        pattern = kLedFault;
        len = 4;
    } else if (!heartbeat_seen || heartbeat_lost) {
        pattern = kLedNoHost;
    }
    if (pattern != led_pattern) {
        led_pattern = pattern;
        led_pattern_len = len;
        led_step = len - 1;
        led_next_ms = now;
    }
    if ((int32_t)(now - led_next_ms) < 0) return;
    led_step = (uint8_t)(led_step + 1) % led_pattern_len;
    led_next_ms += led_pattern[led_step];
    if ((int32_t)(now - led_next_ms) >= 0) led_next_ms = now + led_pattern[led_step];
    const uint8_t level = (led_step & 1) == 0;
    if (level != led_level) {
        led_level = level;
        hal_pin_write(DB_PIN_LED, level);
    }
}

bool drum_poll() {
    const uint32_t now = hal_micros();
    bool busy = false;
    if (heartbeat_seen && !heartbeat_lost &&
        now - last_byte_us >= DB_HEARTBEAT_TIMEOUT_MS * 1000UL) {
        heartbeat_lost = true;
        counters[DB_CTR_HEARTBEAT_LOSSES]++;
        all_off();
        midi_parser_reset(&parser);
    }
    for (uint8_t m = 0; m < DB_MOTOR_COUNT; m++) {
        if (strikes[m].phase == PHASE_IDLE && strikes[m].drive == DRIVE_OFF) continue;  // keep the loop short
        if (strike_poll(&strikes[m], &config.cal[m], now)) {
            counters[DB_CTR_CUTOFFS]++;
            fault = true;
        }
        busy = true;  // this poll's phase change is seen next loop: one more spin
    }
    poll_eeprom();
    const uint32_t now_ms = hal_millis();
    poll_led(now_ms);
    if ((int32_t)(now_ms - next_housekeeping_ms) >= 0) {
        next_housekeeping_ms = now_ms + 1000;
        for (uint8_t m = 0; m < DB_MOTOR_COUNT; m++) strike_forget_old(&strikes[m], now);
    }
    return busy || saving || tx_len > 0;
}

const DrumConfig *drum_config() { return &config; }

uint32_t drum_counter(uint8_t index) {
    if (index == DB_CTR_UPTIME_MS) return hal_millis();
    return index < DB_STATUS_COUNTERS ? counters[index] : 0;
}

uint8_t drum_status_flags() {
    return (heartbeat_seen ? DB_STATUS_FLAG_HEARTBEAT_SEEN : 0) |
           (heartbeat_lost ? DB_STATUS_FLAG_HEARTBEAT_LOST : 0) |
           (fault ? DB_STATUS_FLAG_FAULT : 0) | (saving ? DB_STATUS_FLAG_SAVING : 0);
}

uint8_t drum_active_motors() {
    uint8_t mask = 0;
    for (uint8_t m = 0; m < DB_MOTOR_COUNT; m++) {
        if (strikes[m].drive != DRIVE_OFF) mask |= 1 << m;
    }
    return mask;
}
