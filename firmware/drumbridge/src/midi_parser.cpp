#include "midi_parser.h"

static MidiEvent event(MidiEventType type, uint8_t status = 0, uint8_t d1 = 0, uint8_t d2 = 0) {
    MidiEvent e;
    e.type = type;
    e.status = status;
    e.data1 = d1;
    e.data2 = d2;
    e.sysex = 0;
    e.sysex_len = 0;
    return e;
}

void midi_parser_reset(MidiParser *p) {
    p->status = 0;
    p->count = 0;
    p->need = 0;
    p->in_sysex = false;
    p->sysex_overflow = false;
    p->sysex_len = 0;
}

static uint8_t data_bytes_for(uint8_t status) {
    switch (status & 0xF0) {
    case 0xC0:
    case 0xD0:
        return 1;
    case 0xF0:
        if (status == 0xF1 || status == 0xF3) return 1;
        if (status == 0xF2) return 2;
        return 0;
    default:
        return 2;
    }
}

MidiEvent midi_parse(MidiParser *p, uint8_t byte) {
    if (byte >= 0xF8) {
        return event(MIDI_EV_REALTIME, byte);
    }
    if (byte < 0x80) {
        if (p->in_sysex) {
            if (p->sysex_len < MIDI_SYSEX_MAX) {
                p->sysex[p->sysex_len++] = byte;
            } else {
                p->sysex_overflow = true;
            }
            return event(MIDI_EV_NONE);
        }
        if (p->status == 0) {
            return event(MIDI_EV_ERROR, 0, byte);  // stray data byte
        }
        p->data[p->count++] = byte;
        if (p->count < p->need) {
            return event(MIDI_EV_NONE);
        }
        uint8_t status = p->status;
        p->count = 0;
        if (status >= 0xF0) {
            p->status = 0;  // system common has no running status
            return event(MIDI_EV_COMMON, status, p->data[0], p->data[1]);
        }
        return event(MIDI_EV_CHANNEL, status, p->data[0], p->need == 2 ? p->data[1] : 0);
    }
    // A status byte 0x80..0xF7.
    bool cut_sysex = p->in_sysex && byte != 0xF7;
    if (byte == 0xF7) {
        p->status = 0;
        p->count = 0;
        if (!p->in_sysex) {
            return event(MIDI_EV_ERROR, byte);  // stray end of SysEx
        }
        p->in_sysex = false;
        if (p->sysex_overflow) {
            return event(MIDI_EV_ERROR, byte);
        }
        MidiEvent e = event(MIDI_EV_SYSEX, 0xF0);
        e.sysex = p->sysex;
        e.sysex_len = p->sysex_len;
        return e;
    }
    p->in_sysex = false;
    p->count = 0;
    if (byte == 0xF0) {
        p->status = 0;
        p->in_sysex = true;
        p->sysex_overflow = false;
        p->sysex_len = 0;
        return event(cut_sysex ? MIDI_EV_ERROR : MIDI_EV_NONE, byte);
    }
    if (byte == 0xF4 || byte == 0xF5) {
        p->status = 0;
        return event(MIDI_EV_ERROR, byte);  // undefined system common
    }
    p->status = byte;
    p->need = data_bytes_for(byte);
    if (p->need == 0) {  // F6 tune request: complete at once
        p->status = 0;
        return event(cut_sysex ? MIDI_EV_ERROR : MIDI_EV_COMMON, byte);
    }
    return event(cut_sysex ? MIDI_EV_ERROR : MIDI_EV_NONE, byte);
}
