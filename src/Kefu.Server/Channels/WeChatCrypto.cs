using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Kefu.Server.Channels;

/// <summary>
/// Tencent's message encryption (消息加解密, the WXBizMsgCrypt samples), shared by WeChat Official Accounts in safe and
/// compatible mode (receive id = the app id) and WeCom applications (receive id = the corp id)
/// (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html,
/// https://developer.work.weixin.qq.com/document/path/90968):
///   AESKey        = Base64Decode(EncodingAESKey + "=")            32 bytes; IV = AESKey[0..16]
///   plaintext     = random[16] ‖ msg_len[4, big-endian] ‖ msg (UTF-8) ‖ receive id (UTF-8)
///   Encrypt       = Base64(AES-256-CBC(AESKey, IV, PKCS#7(plaintext) to a multiple of 32 bytes))
///   msg_signature = hex SHA1 of token, timestamp, nonce and Encrypt, sorted (ordinal) and concatenated
/// An encrypted reply is &lt;xml&gt;&lt;Encrypt/&gt;&lt;MsgSignature/&gt;&lt;TimeStamp/&gt;&lt;Nonce/&gt;&lt;/xml&gt;.
/// </summary>
internal sealed class WeChatCrypto
{
    /// <summary>The padding block of the scheme: PKCS#7 to 32 bytes, not AES's 16.</summary>
    private const int PadBlock = 32;
    private const int RandomLength = 16;
    private const int LengthField = 4;

    private readonly string _token;
    private readonly byte[] _key;
    private readonly string _receiveId;

    public WeChatCrypto(string token, string encodingAesKey, string receiveId)
    {
        _token = token;
        _key = DecodeKey(encodingAesKey) ?? throw new ArgumentException(KeyRule, nameof(encodingAesKey));
        _receiveId = receiveId;
    }

    public const string KeyRule = "must be the 43 characters (A-Z, a-z, 0-9) of the EncodingAESKey that the platform's server configuration shows";

    /// <summary>The 32-byte AES key of a 43-character EncodingAESKey; null when it is not one.</summary>
    public static byte[]? DecodeKey(string encodingAesKey)
    {
        if (encodingAesKey.Length != 43 || !encodingAesKey.All(char.IsAsciiLetterOrDigit))
            return null;
        var key = new byte[33];
        return Convert.TryFromBase64String(encodingAesKey + "=", key, out var written) && written == 32 ? key[..32] : null;
    }

    /// <summary>Hex SHA1 of the parts sorted by ordinal and concatenated: WeChat's signature and msg_signature.</summary>
    public static string Sign(params string[] parts)
    {
        var sorted = (string[])parts.Clone();
        Array.Sort(sorted, StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(sorted))));
    }

    /// <summary>Whether <paramref name="msgSignature"/> signs <paramref name="encrypt"/> with this token (in constant time).</summary>
    public bool SignatureMatches(string msgSignature, string timestamp, string nonce, string encrypt) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(_token, timestamp, nonce, encrypt)),
            Encoding.ASCII.GetBytes(msgSignature.ToLowerInvariant()));

    /// <summary>The Encrypt value of <paramref name="message"/>, with fresh random bytes.</summary>
    public string Encrypt(string message) => Encrypt(message, RandomNumberGenerator.GetBytes(RandomLength));

    /// <summary>The Encrypt value of <paramref name="message"/> with the given 16 random bytes (tests against Tencent's samples).</summary>
    public string Encrypt(string message, ReadOnlySpan<byte> random)
    {
        if (random.Length != RandomLength)
            throw new ArgumentException("the scheme takes 16 random bytes", nameof(random));
        var messageBytes = Encoding.UTF8.GetBytes(message);
        var receiveId = Encoding.UTF8.GetBytes(_receiveId);
        var length = RandomLength + LengthField + messageBytes.Length + receiveId.Length;
        var pad = PadBlock - length % PadBlock;   // 1..32: a whole block of padding when already aligned
        var plain = new byte[length + pad];
        random.CopyTo(plain);
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(RandomLength), messageBytes.Length);
        messageBytes.CopyTo(plain, RandomLength + LengthField);
        receiveId.CopyTo(plain, RandomLength + LengthField + messageBytes.Length);
        plain.AsSpan(length).Fill((byte)pad);
        using var aes = Aes.Create();
        aes.Key = _key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, _key.AsSpan(0, 16), PaddingMode.None));
    }

    /// <summary>The message inside an Encrypt value, once its receive id is checked.</summary>
    /// <exception cref="WeChatCryptoException">Not Base64, not whole AES blocks, bad padding or length, or another receive id.</exception>
    public string Decrypt(string encrypt)
    {
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(encrypt);
        }
        catch (FormatException)
        {
            throw new WeChatCryptoException("Encrypt is not Base64", wrongReceiver: false);
        }
        if (cipher.Length == 0 || cipher.Length % 16 != 0)
            throw new WeChatCryptoException("Encrypt is not whole AES blocks", wrongReceiver: false);
        using var aes = Aes.Create();
        aes.Key = _key;
        var plain = aes.DecryptCbc(cipher, _key.AsSpan(0, 16), PaddingMode.None);

        var pad = plain[^1];
        if (pad is < 1 or > PadBlock || pad > plain.Length || plain.AsSpan(plain.Length - pad).ContainsAnyExcept(pad))
            throw new WeChatCryptoException("the decrypted message's padding is wrong (is encoding_aes_key the platform's?)", wrongReceiver: false);
        var content = plain.AsSpan(0, plain.Length - pad);
        if (content.Length < RandomLength + LengthField)
            throw new WeChatCryptoException("the decrypted message is too short", wrongReceiver: false);
        var messageLength = BinaryPrimitives.ReadInt32BigEndian(content.Slice(RandomLength, LengthField));
        if (messageLength < 0 || messageLength > content.Length - RandomLength - LengthField)
            throw new WeChatCryptoException("the decrypted message's length field is wrong (is encoding_aes_key the platform's?)", wrongReceiver: false);
        var message = content.Slice(RandomLength + LengthField, messageLength);
        var receiveId = content[(RandomLength + LengthField + messageLength)..];
        if (!receiveId.SequenceEqual(Encoding.UTF8.GetBytes(_receiveId)))
            throw new WeChatCryptoException($"the message is for '{Encoding.UTF8.GetString(receiveId)}', not '{_receiveId}'", wrongReceiver: true);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message);
        }
        catch (DecoderFallbackException)
        {
            throw new WeChatCryptoException("the decrypted message is not UTF-8", wrongReceiver: false);
        }
    }

    /// <summary>The encrypted reply &lt;xml&gt;&lt;Encrypt/&gt;&lt;MsgSignature/&gt;&lt;TimeStamp/&gt;&lt;Nonce/&gt;&lt;/xml&gt; that carries <paramref name="message"/>.</summary>
    public string EncryptedReply(string message)
    {
        var encrypt = Encrypt(message);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        return $"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature><![CDATA[{Sign(_token, timestamp, nonce, encrypt)}]]></MsgSignature>" +
               $"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>";
    }
}

/// <summary>Why an Encrypt value could not be opened; <see cref="WrongReceiver"/> when it decrypted for another app or corp.</summary>
internal sealed class WeChatCryptoException(string reason, bool wrongReceiver) : Exception(reason)
{
    public bool WrongReceiver { get; } = wrongReceiver;
}
