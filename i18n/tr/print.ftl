# Bilette basılan yazılar (Türkçe). Parametreler: $count, $minutes.
# Turkish counts with the singular noun ("3 kişi").
ticket = Sıra numaranız
people-ahead = { $count ->
    [0] Önünüzde bekleyen kimse yok
   *[other] Önünüzde { $count } kişi var
}
estimated-wait = Tahmini bekleme süresi: { $minutes ->
    [0] 1 dakikadan az
   *[other] { $minutes } dk
}
issued = Alınma zamanı
