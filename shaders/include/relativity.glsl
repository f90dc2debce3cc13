// Doppler colour shift and beaming; mirrors engine/render/relativity.py (tests compare them).
const vec3 BAND_CENTRES_NM = vec3(610.0, 550.0, 465.0);
const float FADE_WIDTH_NM = 90.0;
const float MAX_BRIGHTENING = 8.0;

vec3 deposit(float wavelength) {
    float red = BAND_CENTRES_NM.x;
    float green = BAND_CENTRES_NM.y;
    float blue = BAND_CENTRES_NM.z;
    if (wavelength >= red) {
        float x = (wavelength - red) / FADE_WIDTH_NM;
        return vec3(exp(-x * x), 0.0, 0.0);
    }
    if (wavelength >= green) {
        float share = (wavelength - green) / (red - green);
        return vec3(share, 1.0 - share, 0.0);
    }
    if (wavelength >= blue) {
        float share = (wavelength - blue) / (green - blue);
        return vec3(0.0, share, 1.0 - share);
    }
    float x = (blue - wavelength) / FADE_WIDTH_NM;
    return vec3(0.0, 0.0, exp(-x * x));
}

vec3 doppler_shifted(vec3 colour, float doppler, bool brighten) {
    vec3 shifted = colour.r * deposit(BAND_CENTRES_NM.x / doppler)
                 + colour.g * deposit(BAND_CENTRES_NM.y / doppler)
                 + colour.b * deposit(BAND_CENTRES_NM.z / doppler);
    if (brighten) {
        shifted *= min(doppler * doppler * doppler, MAX_BRIGHTENING);
    }
    return shifted;
}
